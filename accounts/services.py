"""Every write to accounts: keyword-only, one transaction each, ValidationError on bad input."""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.files import check_portfolio_upload
from accounts.models import ClientProfile, PortfolioItem, User, VAProfile
from jobs.models import Skill
from marketplace import generations
from marketplace.storage import generated_key
from marketplace.uploads import IMAGE_TYPES, make_thumbnail

ROLES = ("client", "va")

USER_FIELDS = ("name", "language", "timezone")
VA_FIELDS = (
    "headline",
    "bio",
    "hourly_rate",
    "currency",
    "years_experience",
    "languages",
    "country",
    "availability",
)
CLIENT_FIELDS = ("display_name", "website", "about")

# The directory's search (accounts.models.VAProfileQuerySet.search): headline weighs most
# (A), then skill names (B), then portfolio titles and the bio (C). Every part in both the
# English and the Indonesian configuration, as the job board's vector (jobs.services).
# Every change to what a directory card shows (the profile, its skills, its portfolio)
# runs this, so it also moves `updated_at`: the cards' cache key (directory.views).
_VA_SEARCH_VECTOR_SQL = """
UPDATE accounts_vaprofile AS p SET updated_at = clock_timestamp(), search_vector =
    setweight(to_tsvector('english', p.headline), 'A')
    || setweight(to_tsvector('indonesian', p.headline), 'A')
    || setweight(to_tsvector('english', src.skills), 'B')
    || setweight(to_tsvector('indonesian', src.skills), 'B')
    || setweight(to_tsvector('english', src.portfolio || ' ' || p.bio), 'C')
    || setweight(to_tsvector('indonesian', src.portfolio || ' ' || p.bio), 'C')
FROM (
    SELECT p2.id,
        coalesce((
            SELECT string_agg(s.name, ' ')
            FROM accounts_vaprofile_skills ps JOIN jobs_skill s ON s.id = ps.skill_id
            WHERE ps.vaprofile_id = p2.id
        ), '') AS skills,
        coalesce((
            SELECT string_agg(i.title, ' ') FROM accounts_portfolioitem i WHERE i.profile_id = p2.id
        ), '') AS portfolio
    FROM accounts_vaprofile p2
    WHERE p2.id = ANY(%s)
) AS src
WHERE p.id = src.id
"""


def va_search_vectors_refresh(*, profile_ids: Iterable[int]) -> None:
    """Recompute the directory's `search_vector` of these VA profiles in one UPDATE."""
    ids = list(profile_ids)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_VA_SEARCH_VECTOR_SQL, [ids])
        va_directory_changed()


def va_directory_changed() -> None:
    """What a directory search could find, filter or sort by changed (a profile, its skills
    or portfolio, a VA's stored rating or contracts, who is listed): the directory's cached
    search results are stale (directory.listing, marketplace.generations)."""
    generations.bump(generations.DIRECTORY_SEARCH)


def skill_get_or_create(*, name: str) -> Skill:
    """The skill called `name` (matched ignoring case and spacing), created if new."""
    name = " ".join(name.split())[: Skill._meta.get_field("name").max_length]
    slug = slugify(name)[: Skill._meta.get_field("slug").max_length]
    if not name or not slug:
        raise ValidationError(_("A skill needs a name with letters or digits."), code="skill_name")
    existing = (
        Skill.objects.filter(slug=slug).first() or Skill.objects.filter(name__iexact=name).first()
    )
    if existing:
        return existing
    try:
        # A savepoint, so a concurrent insert of the same skill does not break the caller's transaction.
        with transaction.atomic():
            skill = Skill.objects.create(name=name, slug=slug)
    except IntegrityError:
        return Skill.objects.get(slug=slug)
    # A new name in the catalogue (jobs.models.catalogue_version): every process's filter
    # forms list it on their next request.
    generations.bump(generations.CATALOGUE)
    return skill


def role_enable(*, user: User, role: str) -> None:
    """Switch on hiring (`client`) or working (`va`) for `user`, with an empty profile to fill in."""
    if role not in ROLES:
        raise ValidationError(_("Unknown role."), code="role")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if role == "client":
            ClientProfile.objects.get_or_create(user=locked)
            if not locked.is_client:
                locked.is_client = True
                locked.save(update_fields=["is_client"])
        else:
            VAProfile.objects.get_or_create(user=locked)
            if not locked.is_va:
                locked.is_va = True
                locked.save(update_fields=["is_va"])
                va_directory_changed()
        user.is_client, user.is_va = locked.is_client, locked.is_va


def signup_complete(*, user: User, name: str, roles: Iterable[str]) -> None:
    """Finish a sign-up: the person's name and the roles they chose, each with its profile."""
    roles = list(roles)
    if not roles:
        raise ValidationError(_("Choose at least one way to use Asisten."), code="role")
    with transaction.atomic():
        user.name = name.strip()
        user.save(update_fields=["name"])
        for role in roles:
            role_enable(user=user, role=role)


def profile_update(
    *,
    user: User,
    user_data: Mapping[str, Any],
    va_data: Mapping[str, Any] | None = None,
    client_data: Mapping[str, Any] | None = None,
) -> None:
    """Save the account preferences and whichever role profiles the user has.

    `va_data` may carry `skills` (Skill rows), `new_skills` (names to add as skills) and
    `categories`; the profile of a role the user has not switched on cannot be written.
    """
    with transaction.atomic():
        for field in USER_FIELDS:
            if field in user_data:
                setattr(user, field, user_data[field])
        user.full_clean(exclude=["password", "email"])
        user.save(update_fields=[f for f in USER_FIELDS if f in user_data])

        if va_data is not None:
            if not user.is_va:
                raise ValidationError(
                    _("Switch on working as a VA before filling in a VA profile."), code="role"
                )
            _va_profile_save(user=user, data=va_data)
        if client_data is not None:
            if not user.is_client:
                raise ValidationError(
                    _("Switch on hiring before filling in a client profile."), code="role"
                )
            profile, _created = ClientProfile.objects.get_or_create(user=user)
            for field in CLIENT_FIELDS:
                if field in client_data:
                    setattr(profile, field, client_data[field])
            profile.full_clean(exclude=["user"])
            profile.save()


def _va_profile_save(*, user: User, data: Mapping[str, Any]) -> VAProfile:
    profile, _created = VAProfile.objects.select_for_update().get_or_create(user=user)
    for field in VA_FIELDS:
        if field in data:
            setattr(profile, field, data[field])
    rate = profile.hourly_rate
    if rate is not None and Decimal(rate) <= 0:
        raise ValidationError({"hourly_rate": _("The hourly rate must be more than zero.")})
    profile.full_clean(exclude=["user", "skills", "categories"])
    profile.save()
    if "skills" in data or "new_skills" in data:
        skills = list(data.get("skills") or [])
        skills += [
            skill_get_or_create(name=name) for name in data.get("new_skills") or [] if name.strip()
        ]
        profile.skills.set(skills)
    if "categories" in data:
        profile.categories.set(data["categories"])
    va_search_vectors_refresh(profile_ids=[profile.pk])
    return profile


def _va_profile_of(user: User) -> VAProfile:
    if not user.is_va:
        raise ValidationError(_("Switch on working as a VA to keep a portfolio."), code="role")
    profile, _created = VAProfile.objects.get_or_create(user=user)
    return profile


def _store_upload(item: PortfolioItem, upload: UploadedFile) -> str:
    """Check the upload, store it under a generated key and record its metadata on `item`."""
    checked = check_portfolio_upload(upload)
    storage = item.file.storage
    name = storage.save(generated_key("portfolio", extension=checked.extension), upload)
    item.file.name = name
    item.original_name = checked.original_name
    item.content_type = checked.content_type
    item.size = checked.size
    return name


def _delete_stored_file_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def _require_file_or_link(item: PortfolioItem) -> None:
    if not item.file and not item.link:
        raise ValidationError(
            _("Add a file or a link so clients can see this work."), code="file_or_link"
        )


def _store_thumbnail(item: PortfolioItem, *, show_preview: bool, file_changed: bool) -> None:
    """Make, keep or drop the item's public preview (the caller deletes a replaced one).

    A preview is a re-encoded small copy of the item's picture, made only when its VA asks
    for one; the original file stays private.
    """
    old = item.thumbnail.name or ""
    item.show_preview = show_preview
    if not show_preview:
        item.thumbnail.name = ""
    elif not item.file or item.content_type not in IMAGE_TYPES:
        raise ValidationError(
            {
                "show_preview": _(
                    "A preview can be shown only for a picture (PNG, JPEG or WebP), "
                    "not for a PDF or a link."
                )
            },
            code="preview_needs_picture",
        )
    elif file_changed or not old:
        with item.file.storage.open(item.file.name, "rb") as fh:
            small = make_thumbnail(fh)
        item.thumbnail.name = item.thumbnail.storage.save(
            generated_key("portfolio-previews", extension=".webp"), small
        )


def _delete_new_files(item: PortfolioItem, stored: str, thumbnail_before: str) -> None:
    """Undo what a failed write stored: the upload and a thumbnail made from it."""
    thumbnail = item.thumbnail.name or ""
    for name in (stored, thumbnail if thumbnail != thumbnail_before else ""):
        if name:
            item.file.storage.delete(name)


def portfolio_item_create(
    *,
    user: User,
    title: str,
    description: str = "",
    link: str = "",
    file: UploadedFile | None = None,
    show_preview: bool = False,
) -> PortfolioItem:
    """Add a piece of past work (a file, a link, or both) to the user's VA portfolio."""
    with transaction.atomic():
        item = PortfolioItem(
            profile=_va_profile_of(user), title=title.strip(), description=description, link=link
        )
        stored = _store_upload(item, file) if file else ""
        try:
            _require_file_or_link(item)
            _store_thumbnail(item, show_preview=show_preview, file_changed=True)
            item.full_clean(exclude=["file", "thumbnail"])
            item.save()
        except Exception:
            _delete_new_files(item, stored, "")
            raise
        va_search_vectors_refresh(profile_ids=[item.profile_id])
    return item


def portfolio_item_update(
    *,
    item: PortfolioItem,
    title: str,
    description: str = "",
    link: str = "",
    file: UploadedFile | None = None,
    remove_file: bool = False,
    show_preview: bool | None = None,
) -> PortfolioItem:
    """Edit a portfolio item; a new file replaces the old one, `remove_file` drops it.

    `show_preview` None keeps the item's choice (a new picture gets a new preview).
    """
    with transaction.atomic():
        item = PortfolioItem.objects.select_for_update().get(pk=item.pk)
        storage = item.file.storage
        old_name = item.file.name or ""
        item.title, item.description, item.link = title.strip(), description, link
        stored = ""
        if file:
            stored = _store_upload(item, file)
        elif remove_file:
            item.file.name = ""
            item.original_name, item.content_type, item.size = "", "", 0
        old_thumbnail = item.thumbnail.name or ""
        try:
            _require_file_or_link(item)
            _store_thumbnail(
                item,
                show_preview=item.show_preview if show_preview is None else show_preview,
                file_changed=bool(file),
            )
            item.full_clean(exclude=["file", "profile", "thumbnail"])
            item.save()
        except Exception:
            _delete_new_files(item, stored, old_thumbnail)
            raise
        for old, new in ((old_name, item.file.name), (old_thumbnail, item.thumbnail.name)):
            if old and old != (new or ""):
                _delete_stored_file_on_commit(storage, old)
        va_search_vectors_refresh(profile_ids=[item.profile_id])
    return item


def portfolio_item_delete(*, item: PortfolioItem) -> None:
    """Remove a portfolio item and, once committed, its stored file."""
    with transaction.atomic():
        item = PortfolioItem.objects.select_for_update().get(pk=item.pk)
        storage, name = item.file.storage, item.file.name or ""
        thumbnail = item.thumbnail.name or ""
        profile_id = item.profile_id
        item.delete()
        _delete_stored_file_on_commit(storage, name)
        _delete_stored_file_on_commit(storage, thumbnail)
        va_search_vectors_refresh(profile_ids=[profile_id])

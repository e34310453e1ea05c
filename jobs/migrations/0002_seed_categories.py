from django.db import migrations

# The VA task types of DESIGN.md §4; admins may edit them later.
CATEGORIES = [
    ("admin-support", "Admin support", "Dukungan administrasi"),
    ("bookkeeping", "Bookkeeping", "Pembukuan"),
    ("social-media", "Social media", "Media sosial"),
    ("writing", "Blog and article writing", "Penulisan blog dan artikel"),
    ("travel", "Travel arrangements", "Pengaturan perjalanan"),
    ("scheduling", "Appointment scheduling", "Penjadwalan janji temu"),
    ("data-entry", "Data entry", "Entri data"),
    ("file-storage", "Online file storage and organisation", "Penyimpanan dan penataan file online"),
    ("customer-support", "Customer support", "Layanan pelanggan"),
    ("research", "Research", "Riset"),
    ("other", "Other", "Lainnya"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("jobs", "Category")
    for position, (slug, name_en, name_id) in enumerate(CATEGORIES):
        Category.objects.update_or_create(
            slug=slug, defaults={"name_en": name_en, "name_id": name_id, "position": position}
        )


def unseed(apps, schema_editor):
    apps.get_model("jobs", "Category").objects.filter(slug__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]

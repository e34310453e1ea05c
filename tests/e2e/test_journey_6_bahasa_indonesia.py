"""Journey 6: a visitor switches to Bahasa Indonesia; pages and the sign-up email follow.

The strings checked are a few the catalogue has long had; the session fixture in
conftest compiles the .po files first (the .mo files are not committed).
"""

import re

from playwright.sync_api import expect

from accounts.models import User
from tests.e2e.conftest import JOURNEY, look, main_nav

PASSWORD = "kata-sandi-yang-panjang-sekali-3"


@JOURNEY
def test_a_visitor_uses_asisten_in_bahasa_indonesia(page, live_server, size, mailoutbox):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option(label="Bahasa Indonesia")

    expect(page.locator("html")).to_have_attribute("lang", "id")
    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Cari kerja")).to_be_visible()
    expect(page.get_by_label("Bahasa", exact=True)).to_have_value("id")
    look(page, size, "home-id")

    nav.get_by_role("link", name="Cari kerja").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cari kerja")
    expect(page.get_by_role("link", name="Langsung ke konten utama")).to_be_attached()
    look(page, size, "board-id")

    # Signing up in Indonesian: the form, then the verification email, are in Indonesian.
    main_nav(page).get_by_role("link", name="Daftar di Asisten").click()
    page.get_by_label("Nama lengkap").fill("Dewi Asisten")
    page.get_by_label(re.compile(r"^E-?mail\W*$")).fill("dewi@example.com")
    page.get_by_label(re.compile(r"^(Kata s|S)andi\W*$")).fill(PASSWORD)
    page.get_by_label("Kata sandi (lagi)").fill(PASSWORD)
    page.get_by_label("Saya ingin bekerja sebagai asisten virtual").check()
    look(page, size, "signup-id")
    page.get_by_role("button", name="Daftar").click()
    expect(page.get_by_role("main")).to_contain_text("dewi@example.com")
    look(page, size)

    assert User.objects.get(email="dewi@example.com").language == "id"
    email = mailoutbox[-1]
    assert "Mohon Konfirmasi Alamat E-mail Anda" in email.subject
    assert "Untuk mengonfirmasi kebenarannya, kunjungi" in email.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body).group(0)

    page.goto(link)
    look(page, size)
    page.get_by_role("button", name="Konfirmasi").click()
    expect(page.get_by_role("heading", name="Ubah profil saya")).to_be_visible()
    expect(page.get_by_role("button", name="Simpan profil")).to_be_visible()
    look(page, size, "profile-edit-id")

"""Automatic flags: what must raise a flag, and (as important) ordinary text that must not."""

import pytest

from moderation.flags import find_flags


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # Email addresses, plain and lightly disguised
        ("Send your CV to budi.santoso@gmail.com please", "email"),
        ("Email me: hr-team@pt-maju.co.id", "email"),
        ("reach me at budi [at] gmail [dot] com", "email"),
        ("my address is budi at gmail dot com", "email"),
        # Indonesian phone numbers
        ("Hubungi 081234567890 ya", "phone"),
        ("call 0812-3456-7890 after 5pm", "phone"),
        ("nomor saya 0812 3456 7890", "phone"),
        ("WA +62 812 3456 7890", "phone"),
        ("ring +62-812-3456-789", "phone"),
        ("(+62) 812 3456 7890 is my number", "phone"),
        ("my number: 6281234567890", "phone"),
        ("kontak 0857.1234.5678 ya kak", "phone"),
        # International numbers
        ("Call me on +44 20 7946 0958", "phone"),
        ("My cell is +1 (415) 555-2671", "phone"),
        ("Text me at (415) 555-2671", "phone"),
        ("or 415-555-2671 in the evening", "phone"),
        ("Singapore line: +65 9123 4567", "phone"),
        # WhatsApp / Telegram handles, links and invitations
        ("Chat on wa.me/6281234567890", "messenger"),
        ("join t.me/lowongan_va_murah for details", "messenger"),
        ("Telegram @budi_va", "messenger"),
        ("telegram: @budiva99", "messenger"),
        ("line id: budi_va", "messenger"),
        ("Contact me on WhatsApp for the details", "messenger"),
        ("message me via Telegram", "messenger"),
        ("Add me on WA, faster", "messenger"),
        ("hubungi saya via WA ya", "messenger"),
        ("Hubungi via WhatsApp", "messenger"),
        ("Let's continue on WhatsApp instead", "messenger"),
        ("lanjut di WA aja kak", "messenger"),
        ("WA: 0812 3456 7890", "messenger"),
        # Crypto wallets
        ("Pay to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "crypto_wallet"),
        ("BTC: 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "crypto_wallet"),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq is my wallet", "crypto_wallet"),
        ("USDT (ERC20) 0x52908400098527886E0F7030069857D2E4169EE7", "crypto_wallet"),
        ("USDT TRC20: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "crypto_wallet"),
        # Fees, English and Indonesian
        ("You only need to pay a registration fee of Rp 150.000", "fee"),
        ("Pay a small registration fee to get started", "fee"),
        ("Applicants must pay a one-time fee before starting", "fee"),
        ("you have to transfer a refundable deposit first", "fee"),
        ("There is an upfront fee for the training kit", "fee"),
        ("Ada biaya pendaftaran Rp 100.000", "fee"),
        ("biaya registrasi hanya 50rb", "fee"),
        ("Transfer dulu ya kak baru saya kirim materi", "fee"),
        ("silakan bayar terlebih dahulu", "fee"),
        ("Kamu wajib bayar biaya admin sebelum mulai", "fee"),
        ("tf dulu 200rb untuk aktivasi akun", "fee"),
    ],
)
def test_it_flags_off_platform_contact_and_fee_requests(text, flag):
    assert flag in find_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "I keep your email inbox organised and answer routine emails.",
        "Email management: sort, label and archive, reply to suppliers by email.",
        "We use WhatsApp Business templates for customer replies.",
        "Reply to every message on WhatsApp and Instagram within an hour.",
        "Chat with customers on WhatsApp and log orders in the sheet.",
        "Handle customer contact via WhatsApp and email during office hours.",
        "Set up a Telegram channel for our announcements.",
        "We are moving our support to WhatsApp Business API next month.",
        "Call scheduling and calendar management for two directors.",
        "Budget Rp 150.000 per article, Rp 1.500.000 for the set.",
        "Rate: Rp 150.000 - 200.000 per task",
        "IDR 628.500 – 700.000 depending on volume",
        "Rp 628.500.000 annual revenue",
        "Gaji Rp 3.500.000 - 5.000.000 per bulan",
        "Experience 2019-2023, then 2023 - 2024 at a bank.",
        "Years active: 2018 2019 2020 2021 2022",
        "I charge $12.50 an hour, or $450 per month.",
        "Work hours 08.00-17.00 WIB, Monday to Friday",
        "Deadline 08-12-2024, second draft 15/12/2024",
        "Invoice INV-2024-000123 for 1,250,000 units",
        "Record bank admin fees and payment processing fees in Xero.",
        "Catat biaya admin bank dan biaya pelatihan karyawan setiap bulan.",
        "Book flights and pay the visa application fee for our CEO.",
        "Register our team for the conference.",
        "You must pay the parking fee, we reimburse it.",
        "Pay supplier invoices before the 25th of each month.",
        "Line 3 of the spreadsheet holds the totals.",
        "Follow up with leads by phone, email and WhatsApp.",
        "Kelola DM Instagram dan chat WhatsApp pelanggan.",
        "Saya terbiasa menjawab pelanggan lewat WhatsApp, email, dan telepon.",
        "Commit 3f2a9c1 fixed the export; see ticket #4821.",
        "Our order numbers look like 2024-05-000123.",
        "Tebak: 1.250.000 + 2.500.000 = 3.750.000",
        "Please transfer the files to Google Drive first.",
        "Bayar tagihan listrik kantor tiap bulan.",
        "Ukuran 1080x1920, 30 detik, format MP4.",
        "",
    ],
)
def test_it_leaves_ordinary_texts_alone(text):
    assert find_flags(text) == []


def test_it_reports_each_kind_once_and_sorted():
    text = "WA 0812 3456 7890 or 0813 1111 2222, email a@b.co, biaya pendaftaran 100rb"
    assert find_flags(text) == ["email", "fee", "messenger", "phone"]


def test_a_wallet_like_string_with_a_bad_checksum_is_not_a_wallet():
    assert "crypto_wallet" not in find_flags("code 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb")

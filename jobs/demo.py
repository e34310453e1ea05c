"""Demo tasks: a dozen open jobs across categories, both pay types and currencies, in
English and Indonesian, each with a manual and checklist, posted by the demo clients; plus
one invite-only task of Rina's to which she invites Siti (issue 21).

Idempotent: a task is found by its client and title; existing ones are left as they are.
Posting and publishing go through jobs.services, as a client's would.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from jobs import services
from jobs.models import Category, Invitation, Job

RINA, JAMES, DEWI = (
    "rina@demo.asisten.example",
    "james@demo.asisten.example",
    "dewi@demo.asisten.example",
)
SITI = "siti@demo.asisten.example"
INVITE_ONLY_TITLE = "Rekap gaji karyawan bulanan (rahasia)"

TASKS = [
    {
        "client": RINA,
        "title": "Entri data pengiriman harian ke Google Sheets",
        "description": (
            "Kami perusahaan logistik di Surabaya. Setiap hari ada 80–120 surat jalan yang "
            "perlu dimasukkan ke Google Sheets: nomor resi, nama penerima, kota tujuan dan berat."
        ),
        "category": "data-entry",
        "skills": ["Google Sheets", "Entri data"],
        "pay_type": "hourly",
        "max_rate": Decimal("45000"),
        "currency": "IDR",
        "hours_per_week": 15,
        "duration": "months",
        "working_hours": "Senin–Jumat 08:00–12:00 WIB",
        "preferred_timezone": "Asia/Jakarta",
        "closes_in_days": 10,
        "manual": (
            "## Cara kerja\n\n1. Buka folder **Surat Jalan Hari Ini** di Google Drive.\n"
            "2. Masukkan setiap surat jalan ke tab *Pengiriman*, satu baris per resi.\n"
            "3. Tandai baris yang datanya tidak terbaca dengan warna kuning.\n"
        ),
        "checklist": [
            "Semua surat jalan hari ini sudah masuk",
            "Tidak ada nomor resi ganda",
            "Baris bermasalah ditandai kuning",
        ],
    },
    {
        "client": RINA,
        "title": "Pembukuan bulanan dan rekonsiliasi bank",
        "description": (
            "Butuh asisten untuk pembukuan bulanan: mencatat faktur pembelian dan penjualan, "
            "rekonsiliasi mutasi rekening BCA, dan menyiapkan laporan laba rugi sederhana."
        ),
        "category": "bookkeeping",
        "skills": ["Pembukuan", "Excel", "Rekonsiliasi bank"],
        "pay_type": "fixed",
        "max_rate": Decimal("1500000"),
        "currency": "IDR",
        "deliverables": "File Excel pembukuan bulan ini dan laporan laba rugi satu halaman.",
        "deadline_in_days": 21,
        "closes_in_days": 7,
        "manual": (
            "## Data yang kami kirim\n\n- Mutasi rekening (PDF)\n- Foto faktur (folder Drive)\n\n"
            "## Langkah\n\n1. Catat setiap faktur di tab *Jurnal*.\n"
            "2. Cocokkan dengan mutasi bank.\n3. Isi laporan laba rugi dari template.\n"
        ),
        "checklist": [
            "Semua faktur tercatat",
            "Saldo akhir cocok dengan rekening",
            "Laporan laba rugi terisi",
        ],
    },
    {
        "client": RINA,
        "title": "Admin layanan pelanggan via WhatsApp Business",
        "description": (
            "Menjawab pertanyaan pelanggan tentang status pengiriman lewat WhatsApp Business, "
            "mencatat keluhan, dan meneruskan kasus sulit ke tim operasional."
        ),
        "category": "customer-support",
        "skills": ["WhatsApp Business", "Layanan pelanggan"],
        "pay_type": "hourly",
        "max_rate": Decimal("40000"),
        "currency": "IDR",
        "hours_per_week": 20,
        "duration": "ongoing",
        "working_hours": "Setiap hari 13:00–17:00 WIB",
        "preferred_timezone": "Asia/Jakarta",
        "closes_in_days": 14,
        "manual": (
            "## Nada bicara\n\nRamah, singkat, selalu sebut nomor resi.\n\n"
            "## Template jawaban\n\nGunakan template di dokumen *Jawaban Cepat*.\n"
        ),
        "checklist": ["Balas dalam 15 menit", "Catat setiap keluhan di sheet Keluhan"],
    },
    {
        "client": RINA,
        "title": "Riset harga ongkir kompetitor di Jawa Timur",
        "description": (
            "Kumpulkan tarif pengiriman lima kompetitor untuk 20 rute di Jawa Timur dan "
            "rangkum dalam tabel perbandingan."
        ),
        "category": "research",
        "skills": ["Riset pasar", "Google Sheets"],
        "pay_type": "fixed",
        "max_rate": Decimal("750000"),
        "currency": "IDR",
        "deliverables": "Tabel perbandingan tarif dan ringkasan temuan satu halaman.",
        "deadline_in_days": 14,
        "closes_in_days": 5,
        "manual": "Gunakan situs resmi setiap kompetitor; catat tanggal pengecekan harga.\n",
        "checklist": ["20 rute × 5 kompetitor terisi", "Sumber dan tanggal dicatat"],
    },
    {
        "client": JAMES,
        "title": "Inbox and calendar management for a design studio",
        "description": (
            "Keep our shared inbox at zero, file client emails into labels, and schedule "
            "client calls in Google Calendar across Sydney and Jakarta time zones."
        ),
        "category": "admin-support",
        "skills": ["Gmail", "Google Calendar", "Inbox management"],
        "pay_type": "hourly",
        "max_rate": Decimal("12.50"),
        "currency": "USD",
        "hours_per_week": 10,
        "duration": "months",
        "working_hours": "Weekdays 09:00–13:00 Sydney time",
        "preferred_timezone": "Australia/Sydney",
        "closes_in_days": 12,
        "manual": (
            "## Daily routine\n\n1. Archive newsletters.\n2. Label client emails by project.\n"
            "3. Propose call times using our **Calendly** link.\n\n"
            "Never accept meetings on Fridays."
        ),
        "checklist": ["Inbox at zero by 13:00", "Every client email labelled"],
    },
    {
        "client": JAMES,
        "title": "Monthly bookkeeping in Xero",
        "description": (
            "Reconcile our Xero bank feed, attach receipts to transactions, and chase two or "
            "three overdue invoices each month."
        ),
        "category": "bookkeeping",
        "skills": ["Xero", "Bookkeeping", "Invoicing"],
        "pay_type": "fixed",
        "max_rate": Decimal("180.00"),
        "currency": "USD",
        "deliverables": "A reconciled Xero file and a short note on overdue invoices.",
        "deadline_in_days": 20,
        "closes_in_days": 8,
        "manual": (
            "## Access\n\nYou get a Xero *Standard* user once hired.\n\n"
            "## Steps\n\n1. Reconcile every bank line.\n2. Attach the receipt from Dext.\n"
            "3. Send the overdue-invoice reminder template.\n"
        ),
        "checklist": ["Bank feed fully reconciled", "Receipts attached", "Reminders sent"],
    },
    {
        "client": JAMES,
        "title": "Write four blog articles about small-studio branding",
        "description": (
            "Four articles of about 900 words each on branding for small businesses, in "
            "plain, friendly English, with one practical example in each."
        ),
        "category": "writing",
        "skills": ["Blog writing", "SEO", "Copywriting"],
        "pay_type": "fixed",
        "max_rate": Decimal("240.00"),
        "currency": "USD",
        "deliverables": "Four articles in Google Docs with suggested titles and meta descriptions.",
        "deadline_in_days": 30,
        "closes_in_days": 9,
        "manual": (
            "## Style\n\n- Short paragraphs\n- No jargon\n- One example per article\n\n"
            "See our [style guide](https://brightleaf.example/style)."
        ),
        "checklist": ["Four articles of 800–1000 words", "Meta description for each"],
    },
    {
        "client": JAMES,
        "title": "Schedule Instagram and LinkedIn posts",
        "description": (
            "Schedule three posts a week on Instagram and LinkedIn from our content calendar, "
            "reply to comments, and send a short monthly engagement report."
        ),
        "category": "social-media",
        "skills": ["Instagram", "LinkedIn", "Buffer"],
        "pay_type": "hourly",
        "max_rate": Decimal("9.00"),
        "currency": "USD",
        "hours_per_week": 5,
        "duration": "ongoing",
        "working_hours": "Flexible",
        "closes_in_days": 11,
        "manual": "Posts and captions are ready in Notion; schedule them in Buffer.\n",
        "checklist": ["Three posts scheduled each week", "Comments answered within a day"],
    },
    {
        "client": JAMES,
        "title": "Organise our Google Drive and Dropbox",
        "description": (
            "Years of client files are scattered over Google Drive and Dropbox. Move everything "
            "into one clear folder structure and name files consistently."
        ),
        "category": "file-storage",
        "skills": ["Google Drive", "Dropbox"],
        "pay_type": "fixed",
        "max_rate": Decimal("120.00"),
        "currency": "USD",
        "deliverables": "One tidy folder tree and a one-page guide to it.",
        "deadline_in_days": 14,
        "closes_in_days": 6,
        "manual": (
            "## Naming\n\n`YYYY-MM client project - description`\n\n"
            "Do not delete anything: move doubtful files to *To check*."
        ),
        "checklist": ["Every file in the new tree", "Guide written", "Nothing deleted"],
    },
    {
        "client": DEWI,
        "title": "Atur reservasi tamu homestay di Booking.com dan Airbnb",
        "description": (
            "Menjawab pertanyaan tamu, mengonfirmasi reservasi, dan menjaga kalender Booking.com "
            "dan Airbnb tetap sinkron supaya tidak ada pemesanan ganda."
        ),
        "category": "travel",
        "skills": ["Booking.com extranet", "Airbnb", "Customer service"],
        "pay_type": "hourly",
        "max_rate": Decimal("50000"),
        "currency": "IDR",
        "hours_per_week": 8,
        "duration": "months",
        "working_hours": "Pagi hari WITA",
        "preferred_timezone": "Asia/Makassar",
        "closes_in_days": 13,
        "manual": (
            "## Setiap pagi\n\n1. Cek pesan baru di kedua platform.\n"
            "2. Samakan kalender.\n3. Kirim info check-in ke tamu yang datang besok.\n"
        ),
        "checklist": ["Kalender sinkron", "Info check-in terkirim H-1"],
    },
    {
        "client": DEWI,
        "title": "Jadwalkan janji temu perawatan spa untuk tamu",
        "description": (
            "Mengatur jadwal pijat dan spa untuk tamu homestay dengan tiga terapis lepas, "
            "lewat Google Calendar dan WhatsApp."
        ),
        "category": "scheduling",
        "skills": ["Google Calendar", "WhatsApp Business"],
        "pay_type": "fixed",
        "max_rate": Decimal("400000"),
        "currency": "IDR",
        "deliverables": "Kalender terapis untuk satu bulan dan daftar kontak tamu.",
        "deadline_in_days": 10,
        "closes_in_days": 4,
        "manual": "Setiap terapis maksimal empat sesi per hari, jeda 30 menit.\n",
        "checklist": ["Tidak ada jadwal bentrok", "Tamu menerima konfirmasi"],
    },
    {
        "client": DEWI,
        "title": "Translate our homestay house rules into English",
        "description": (
            "Translate two pages of house rules and a welcome letter from Indonesian into "
            "warm, clear English for international guests."
        ),
        "category": "other",
        "skills": ["Translation", "Indonesian", "English"],
        "pay_type": "fixed",
        "max_rate": Decimal("25.00"),
        "currency": "USD",
        "deliverables": "The translated house rules and welcome letter in Google Docs.",
        "deadline_in_days": 7,
        "closes_in_days": 3,
        "manual": "Keep the tone friendly; keep Balinese place names as they are.\n",
        "checklist": ["House rules translated", "Welcome letter translated"],
    },
    {
        "client": RINA,
        "title": INVITE_ONLY_TITLE,
        "description": (
            "Rekap slip gaji 40 karyawan tiap akhir bulan ke spreadsheet penggajian. Datanya "
            "rahasia, jadi hanya asisten yang kami undang yang bisa melihat tugas ini."
        ),
        "category": "bookkeeping",
        "skills": ["Excel", "Payroll"],
        "pay_type": "fixed",
        "max_rate": Decimal("750000"),
        "currency": "IDR",
        "deliverables": "Spreadsheet rekap gaji bulanan yang sudah dicek ulang.",
        "deadline_in_days": 14,
        "closes_in_days": 10,
        "invite_only": True,
        "manual": "Jangan bagikan data gaji ke luar spreadsheet yang kami berikan.\n",
        "checklist": ["Total gaji cocok dengan slip", "Tidak ada data yang dibagikan"],
    },
]
# (client, task title, VA, note): sent once, if the task is open and the VA has not bid.
INVITATIONS = [
    (
        RINA,
        INVITE_ONLY_TITLE,
        SITI,
        "Pengalaman Anda sebagai sekretaris direksi cocok untuk data yang rahasia ini.",
    ),
]


def load(stdout) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    emails = {task["client"] for task in TASKS}
    clients = {u.email: u for u in User.objects.filter(email__in=emails, is_client=True)}
    if not clients:
        fallback = list(User.objects.filter(is_client=True).order_by("pk")[:3])
        if not fallback:
            stdout.write("jobs: no demo clients yet, skipped")
            return
        clients = {email: fallback[i % len(fallback)] for i, email in enumerate(sorted(emails))}
    categories = {c.slug: c for c in Category.objects.all()}
    now = timezone.now()
    created = 0
    for task in TASKS:
        client = clients.get(task["client"])
        if client is None or Job.objects.filter(client=client, title=task["title"]).exists():
            continue
        details = {
            key: task[key]
            for key in (
                "hours_per_week",
                "duration",
                "deliverables",
                "working_hours",
                "invite_only",
            )
            if key in task
        }
        details["preferred_timezone"] = task.get("preferred_timezone", "")
        details["closes_at"] = now + timedelta(days=task["closes_in_days"])
        if "deadline_in_days" in task:
            details["deadline"] = (now + timedelta(days=task["deadline_in_days"])).date()
        job = services.job_create(
            client=client,
            title=task["title"],
            description=task["description"],
            category=categories[task["category"]],
            pay_type=task["pay_type"],
            max_rate=task["max_rate"],
            currency=task["currency"],
            new_skill_names=task["skills"],
            manual_body=task["manual"],
            checklist=task["checklist"],
            **details,
        )
        services.job_publish(job=job, by=client)
        created += 1
        stdout.write(f"  task: {job.title}")
    stdout.write(f"jobs: {created} new demo tasks ({len(TASKS) - created} already there)")
    _invite(User, clients, stdout)


def _invite(User, clients: dict, stdout) -> None:
    for client_email, title, va_email, note in INVITATIONS:
        client = clients.get(client_email)
        job = Job.objects.filter(client=client, title=title).first() if client else None
        va = User.objects.filter(email=va_email, is_va=True).first()
        if job is None or va is None or Invitation.objects.filter(job=job, va=va).exists():
            continue
        try:
            services.invitation_send(job=job, va=va, by=client, note=note)
        except ValidationError as exc:
            stdout.write(f"  invitation of {va_email} to “{title}” skipped: {exc.messages[0]}")
        else:
            stdout.write(f"  invitation: {va_email} to “{title}”")

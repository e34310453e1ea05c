"""Automatic flags: text that asks to move off the platform or to pay a fee.

`find_flags(text)` returns the kinds of suspicious content it found (see `Flag`). It is a
review aid, never a block: a flag becomes an automatic report for a moderator to look at.
The patterns are deliberately narrow. A VA marketplace is full of ordinary talk about
email inboxes, WhatsApp Business, call scheduling, invoices and prices, and a queue full of
false alarms teaches moderators to ignore it. So a product name alone never flags; a
number, a handle, a link or an invitation to continue there does.
"""

import hashlib
import re
from enum import StrEnum


class Flag(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    MESSENGER = "messenger"
    CRYPTO_WALLET = "crypto_wallet"
    FEE = "fee"


# Flags that point at a scam rather than "only" moving the conversation elsewhere.
SCAM_FLAGS = frozenset({Flag.CRYPTO_WALLET, Flag.FEE})

_I = re.IGNORECASE

# --- Email addresses, also lightly disguised ("budi [at] gmail [dot] com") --------------
_EMAIL = re.compile(r"[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_EMAIL_DISGUISED = re.compile(
    r"\b[\w.+-]+\s*[\[({]\s*(?:at|@)\s*[\])}]\s*[\w-]+"
    r"(?:\s*[\[({]\s*(?:dot|titik)\s*[\])}]\s*|\.)[a-z]{2,}\b"
    r"|\b[\w.+-]+\s+(?:at|@)\s+(?:gmail|yahoo|ymail|hotmail|outlook|icloud|proton(?:mail)?)"
    r"(?:\s+(?:dot|titik)\s+|\.)(?:com|co\.id|id|me)\b",
    _I,
)

# --- Phone numbers ------------------------------------------------------------------------
# A run of digits with at most one separator between digits; two separators in a row
# (" - ") end the run, so "Rp 150.000 - 200.000" is two runs, neither a phone number.
_DIGIT_RUN = re.compile(r"(?<![\w.,/+(])(\(?\+?\(?\d(?:[ .\-()]{0,2}\d){6,16})(?![\w]|[.,]\d)")
# Thousands grouping ("1.500.000", "150,000"): an amount, not a phone number.
_AMOUNT = re.compile(r"^\d{1,3}(?:[.,]\d{3})+$")
_MONEY_BEFORE = re.compile(r"(?:rp\.?|idr|usd|us\$|\$|€|£|sgd|s\$|rm)\s*$", _I)
# Indonesian mobiles: 08[1-9]…, +62 8…, 62 8…; 10 to 13 digits in the national form.
_NATIONAL_MOBILE = re.compile(r"^08[1-9]\d{7,10}$")
_INTL_MOBILE_ID = re.compile(r"^628[1-9]\d{7,10}$")
# North American style, strictly formatted: (555) 123-4567, 555-123-4567. Never with dots,
# which in Indonesian group thousands.
_NANP = re.compile(r"(?<![\w.-])(?:\(\d{3}\)\s?\d{3}-\d{4}|\d{3}-\d{3}-\d{4})(?![\w-]|[.,]\d)")

# --- WhatsApp / Telegram / … --------------------------------------------------------------
_MESSENGER = r"(?:whats\s?app|wa|telegram|tele|tg|signal|line|wechat|viber)"
_MESSENGER_LINK = re.compile(
    r"\b(?:wa\.me|api\.whatsapp\.com/send|chat\.whatsapp\.com|wa\.link|t\.me|telegram\.me"
    r"|telegram\.dog|line\.me|signal\.me)/",
    _I,
)
# "WA: 0812…", "Telegram @budi_va", "telegram: budi_va", "WhatsApp me +62 …"
_MESSENGER_HANDLE = re.compile(
    r"\b" + _MESSENGER + r"\b\s*(?:me|id|saya|aku|ku|number|nomor|no\.?|nya)?\s*"
    r"(?:is|di|at|ke|:|=|-)?\s*(?:@[A-Za-z0-9_]{4,}|(?:\+|0|62)\d[\d .\-]{7,})",
    _I,
)
_MESSENGER_ID = re.compile(
    r"\b(?:telegram|line|signal|wechat)\s*(?:id|username|user)\s*[:=]\s*@?[A-Za-z0-9_.]{4,}",
    _I,
)
# Invitations: "contact me on WhatsApp", "hubungi (saya) via WA", "let's continue on
# Telegram", "lanjut di WA". Ambiguous verbs ("message", "chat") need a pronoun, so
# "reply to every message on WhatsApp" stays quiet.
_PRONOUN = r"(?:me|us|saya|aku|kami|gue|gw|sy)"
_VIA = r"(?:on|via|at|through|thru|over|using|lewat|melalui|via|di|ke|pakai|by)"
_MESSENGER_INVITE = re.compile(
    r"\b(?:contact|reach|message|text|chat|call|add|ping|dm|pm|kontak|telp|telepon)\s+"
    + _PRONOUN
    + r"\s+"
    + _VIA
    + r"\s+"
    + _MESSENGER
    + r"\b"
    r"|\b(?:hubungi|japri|hubungin)\s+(?:"
    + _PRONOUN
    + r"\s+)?"
    + _VIA
    + r"\s+"
    + _MESSENGER
    + r"\b"
    r"|\b(?:let'?s|lets|mari|yuk|ayo)\s+(?:move|continue|talk|chat|discuss|lanjut|pindah|ngobrol)"
    r"\s+(?:(?:this|it|ini)\s+)?" + _VIA + r"\s+" + _MESSENGER + r"\b"
    r"|\blanjut(?:kan)?\s+(?:di|ke|via|lewat)\s+" + _MESSENGER + r"\b",
    _I,
)

# --- Crypto wallet addresses --------------------------------------------------------------
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BTC_LEGACY = re.compile(r"(?<![\w/])[13][" + _B58 + r"]{25,34}(?![\w])")
_TRON = re.compile(r"(?<![\w/])T[" + _B58 + r"]{33}(?![\w])")
_BTC_BECH32 = re.compile(r"(?<![\w/])bc1[ac-hj-np-z02-9]{25,87}(?![\w])", _I)
_ETH = re.compile(r"(?<![\w/])0x[0-9a-fA-F]{40}(?![\w])")

# --- Fees: "pay a registration fee", "biaya pendaftaran", "transfer dulu" ----------------
_FEE_KIND = (
    r"(?:registration|joining|membership|sign[- ]?up|enrol?ment|activation|onboarding"
    r"|starter[- ]kit|verification)"
)
_FEE = re.compile(
    # English
    r"\bpay\s+(?:(?:a|an|the|our|my)\s+)?(?:(?:small|one[- ]time|refundable|low|mandatory)\s+)?"
    + _FEE_KIND
    + r"\s+(?:fee|fees|deposit|charge)\b"
    r"|\b(?:you|applicants?|candidates?|every\s+va|each\s+va)\s+(?:must|need\s+to|have\s+to|has\s+to"
    r"|are\s+required\s+to|is\s+required\s+to|will\s+need\s+to)\s+(?:first\s+)?(?:pay|send|transfer|deposit)"
    r"\s+(?:(?:a|an|the|us|me)\s+)*(?:(?:small|one[- ]time|refundable)\s+)?(?:"
    + _FEE_KIND
    + r"\s+)?"
    r"(?:fee|deposit|charge)\b"
    r"|\b(?:upfront|up-front|advance)\s+(?:registration\s+)?fee\b"
    r"|\bfee\s+(?:to|before\s+you)\s+(?:get\s+)?(?:start|begin|be\s+hired|get\s+the\s+job|join|unlock)"
    # Indonesian
    r"|\b(?:biaya|uang)\s+(?:pendaftaran|registrasi|aktivasi|keanggotaan|member(?:ship)?|join"
    r")\b"
    r"|\b(?:transfer|tf|trf|bayar|deposit|setor|kirim\s+uang)\s+(?:dulu|dahulu|terlebih\s+dahulu|duluan)\b"
    r"|\b(?:wajib|harus|perlu)\s+(?:bayar|membayar|transfer|mentransfer|setor)\s+(?:\w+\s+){0,2}"
    r"(?:biaya|uang|deposit|dp)\b",
    _I,
)


def _base58check_ok(text: str) -> bool:
    """True when `text` decodes as Base58Check with a valid checksum (BTC legacy, TRON)."""
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(text) - len(text.lstrip("1"))) + raw
    if len(raw) != 25:
        return False
    payload, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] == checksum


def _has_phone(text: str) -> bool:
    if _NANP.search(text):
        return True
    for match in _DIGIT_RUN.finditer(text):
        run = match.group(1)
        if _AMOUNT.match(run) or _MONEY_BEFORE.search(
            text[max(0, match.start() - 6) : match.start()]
        ):
            continue
        digits = re.sub(r"\D", "", run)
        if _NATIONAL_MOBILE.match(digits) or _INTL_MOBILE_ID.match(digits):
            return True
        if run.lstrip("(").startswith("+") and 8 <= len(digits) <= 15:
            return True
    return False


def _has_wallet(text: str) -> bool:
    if _ETH.search(text) or _BTC_BECH32.search(text):
        return True
    candidates = [m.group(0) for m in _BTC_LEGACY.finditer(text)]
    candidates += [m.group(0) for m in _TRON.finditer(text)]
    return any(_base58check_ok(c) for c in candidates)


def find_flags(text: str) -> list[str]:
    """The kinds of off-platform contact or fee requests in `text` (values of `Flag`), sorted.

    An empty list means nothing suspicious was found.
    """
    if not text:
        return []
    found: set[Flag] = set()
    if _EMAIL.search(text) or _EMAIL_DISGUISED.search(text):
        found.add(Flag.EMAIL)
    if _has_phone(text):
        found.add(Flag.PHONE)
    if (
        _MESSENGER_LINK.search(text)
        or _MESSENGER_HANDLE.search(text)
        or _MESSENGER_ID.search(text)
        or _MESSENGER_INVITE.search(text)
    ):
        found.add(Flag.MESSENGER)
    if _has_wallet(text):
        found.add(Flag.CRYPTO_WALLET)
    if _FEE.search(text):
        found.add(Flag.FEE)
    return sorted(found)

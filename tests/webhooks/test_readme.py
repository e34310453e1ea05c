"""The README's signature check works on what we send (and refuses what we did not)."""

import re
import time
from pathlib import Path

from webhooks.delivery import signature_header

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_verify():
    text = README.read_text()
    block = re.search(
        r"<!-- webhook-verify:start -->\n```python\n(.*?)```\n<!-- webhook-verify:end -->",
        text,
        re.S,
    ).group(1)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify"]


def test_the_readme_verifies_our_signature():
    verify = readme_verify()
    body = b'{"id":"evt_1","type":"webhook.test"}'
    now = int(time.time())
    assert verify("whsec_abc", signature_header("whsec_abc", now, body), body)
    assert not verify("whsec_other", signature_header("whsec_abc", now, body), body)
    assert not verify("whsec_abc", signature_header("whsec_abc", now, body), body + b" ")
    old = now - 3600
    assert not verify("whsec_abc", signature_header("whsec_abc", old, body), body)

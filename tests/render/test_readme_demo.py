"""The README's first screen is what ``podnet diagnose`` prints for the guide's case today."""

from __future__ import annotations

import re

from tests.render.test_cli_view import CASE, _piped
from tests.conftest import ROOT


def test_readme_demo_is_the_current_compact_report():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- demo:start -->\n```\n(.*?)```\n<!-- demo:end -->", readme, flags=re.S)
    assert m, "README lacks the demo markers"
    assert "podnet diagnose examples/clusterip-dual-address.json\n" in readme[: m.start()]
    now = _piped("diagnose", CASE).stdout
    assert m.group(1) == now, "the report changed: paste `podnet diagnose examples/clusterip-dual-address.json | cat` into README.md"

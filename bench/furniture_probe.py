"""Place identity under page furniture the town model was not fitted on, over the real development reports.

    python -m bench.furniture_probe                              # this checkout
    PYTHONPATH=<checkout of another commit> python bench/furniture_probe.py   # that commit's qa, same reports

Each report is shown as a page store may hold it: with a 相关文章 list of other townships' report titles below it, a
下一条 link above it, a list of other townships above it (、- or space-separated), or a breadcrumb naming another
township. The other townships are drawn from the division list, the same for the same report on every run. The town
model (python -m qa.training.town) is fitted on differently worded furniture (a space-separated list, 上一篇/下一篇).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

from qa.evaluation import town_core
from qa.metadata import extract_metadata
from qa.places import gazetteer, to_simplified
from qa.structure import parse_structure

REAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval" / "real"

LAYOUTS: dict[str, Callable[[str, list[str]], str]] = {
    "as is": lambda t, o: t,
    "相关文章 list below": lambda t, o: t + "\n相关文章:\n" + "\n".join(f"{x}2024年法治政府建设情况报告" for x in o[:3]),
    "下一条 link above": lambda t, o: "下一条：" + o[0] + "关于2023年度法治政府建设工作的报告\n" + t,
    "、-separated township list above": lambda t, o: "乡镇街道：" + "、".join(o[:8]) + "\n" + t,
    "breadcrumb naming another township": lambda t, o: "您现在的位置：首页 > 乡镇动态 > " + o[0] + "\n" + t,
    "space-separated township list above": lambda t, o: "首页 政务公开 " + " ".join(o[:6]) + " 热门搜索\n" + t,
}


def main() -> int:
    reports = []
    for f in sorted(REAL.glob("dev[0-9]*/*.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        reports.append((f"real/{f.parent.name}/{f.name}", d["text"], d["town"]))
    pool = sorted(p.name for p in gazetteer().places.values() if p.level == 4)
    out = {}
    for label, layout in LAYOUTS.items():
        ok = 0
        for name, text, town in reports:
            others = [t for t in random.Random(name + label).sample(pool, 13) if town_core(t) != town_core(town)][:12]
            page = layout(text, others)
            m = extract_metadata(page, parse_structure(page))
            ok += town_core(to_simplified(m.town or "")) == town_core(to_simplified(town))
        out[label] = round(ok / max(1, len(reports)), 3)
    print(f"town accuracy over {len(reports)} development reports:", json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The method imports and computes with no Django at all: no settings, and no importable django."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: `django` is made unimportable before anything else is imported, so any
# import of it (directly or through an app) fails instead of quietly reading settings.
SCRIPT = r"""
import json, sys
sys.modules["django"] = None  # `import django` and every `import django.x` now raise ImportError
from decimal import Decimal
import scoring.method as method
from scoring.method.defaults import DEFAULT_SCHEME

agencies = [
    method.AgencyInput(code="a", group="g", has_service_window=True,
                       public_counts={"service_attitude": {5: 3, 4: 1}}, appraisal_counts={"deputy": {3: 2}},
                       assessment_points=Decimal("45"), assessment_max=Decimal("50"), bonus=Decimal("7")),
    method.AgencyInput(code="b", group="g", has_service_window=False, appraisal_counts={"citizen": {2: 1}},
                       inspection_deduction=Decimal("3"), veto=True),
    method.AgencyInput(code="c", group="g", has_service_window=True),
]
cards = method.compute_with_intervals(agencies, DEFAULT_SCHEME, draws=50)
print(json.dumps({"cards": [card.to_dict() for card in cards], "digest": method.inputs_digest(agencies, None),
                  "apps": [name for name, module in sys.modules.items()
                           if module is not None and name.split(".")[0] in ("django", "agencies", "conduct_eval")]}))
"""


def test_the_method_computes_without_django():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["apps"] == []  # neither Django nor an app was imported on the way
    cards = {card["agency"]: card for card in result["cards"]}
    # a: public_survey (100·3 + 75)/4 = 93.75, appraisal 50, organizational 90, inspection 100;
    # base = (30·93.75 + 30·50 + 20·90 + 20·100) / 100 = 81.125; bonus capped at 5 → 86.125 → 86.13 (half-up).
    assert cards["a"]["components"]["public_survey"]["score"] == "93.75"
    assert cards["a"]["base"] == "81.13" and cards["a"]["total"] == "86.13" and cards["a"]["bonus"] == "5.00"
    assert cards["a"]["rank_overall"] == 1 and cards["a"]["rated"] is True
    # b: appraisal 25, inspection 97, no window: base = (30·25 + 20·97) / 50 = 53.8; vetoed → warned.
    assert cards["b"]["total"] == "53.80" and cards["b"]["outcome"] == "warned" and cards["b"]["rank_overall"] == 2
    # c: only the inspection default: not rated, no rank.
    assert cards["c"]["outcome"] == "unrated" and cards["c"]["rank_overall"] is None
    assert float(cards["a"]["total_low"]) <= 86.13 <= float(cards["a"]["total_high"])
    assert len(result["digest"]) == 64

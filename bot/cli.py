"""Command line: ``python -m bot [run|check-content|push-now]``."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot.content.loader import check_bank

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


def check_content(content_dir: Path, as_json: bool) -> int:
    """Print counts per topic and every problem; 0 only if the bank is valid."""
    result = check_bank(content_dir)
    bank = result.bank
    for topic in bank.topics.values():
        print(
            f"{topic.id:28} facts {len(bank.facts_in(topic.id)):3}  questions "
            f"{len(bank.questions_in(topic.id)):3}  mains {len(bank.mains_in(topic.id)):2}"
        )
    shapes = Counter(q.shape.value for q in bank.questions.values())
    print(
        f"total: {len(bank.topics)} topics, {len(bank.facts)} facts, {len(bank.questions)} questions "
        f"({', '.join(f'{k} {v}' for k, v in sorted(shapes.items()))}), {len(bank.mains)} mains prompts"
    )
    for warning in result.warnings:
        print(f"warning: {warning}")
    for problem in result.problems:
        print(f"problem: {problem}")
    print(f"{len(result.problems)} problems, {len(result.warnings)} warnings")
    if as_json:
        summary = {
            "topics": len(bank.topics),
            "facts": len(bank.facts),
            "questions": len(bank.questions),
            "questions_by_shape": dict(sorted(shapes.items())),
            "mains": len(bank.mains),
            "problems": [str(p) for p in result.problems],
            "warnings": [str(w) for w in result.warnings],
        }
        print(json.dumps(summary))
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check-content", help="validate the content bank")
    check.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "check-content":
        return check_content(DEFAULT_CONTENT_DIR, args.json)
    print("not yet", file=sys.stderr)
    return 2

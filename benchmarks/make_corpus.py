"""Write a synthetic deck of N questions shaped like the shipped corpus, for benchmarks.

Each question has a ~300-word explanation (paragraphs with bold leads and inline code, a table
in 40% and a bullet list in 55% of them), 1-2 code snippets of 10-30 lines in mixed languages
that pass the compiler's syntax checks, 4 key points, 3 mistakes and 3 follow-ups. The
Markdown mix follows the shipped corpus (inline code in ~2% of one-line fields). The output
depends only on N and the seed, and passes ``mlops-anki validate --strict``.

Usage: python benchmarks/make_corpus.py N OUT_DIR [--seed S]
OUT_DIR becomes a decks folder holding one deck, ``synthetic``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

TOPICS = {
    "deployment": "Release strategies",
    "serving": "Online and batch inference",
    "features": "Feature stores and consistency",
    "data": "Data contracts and validation",
    "training": "Distributed training",
    "monitoring": "Drift and observability",
    "reliability": "Fault tolerance and SLOs",
    "infrastructure": "Kubernetes and GPU scheduling",
    "lifecycle": "Registry and CI/CD",
    "llmops": "LLM-specific operations",
}
NOUNS = (
    "model",
    "feature",
    "pipeline",
    "replica",
    "batch",
    "request",
    "cache",
    "shard",
    "checkpoint",
    "registry",
    "label",
    "schema",
    "queue",
    "gateway",
    "tensor",
    "node",
    "deployment",
    "metric",
    "window",
    "snapshot",
    "artifact",
    "embedding",
    "endpoint",
)
VERBS = (
    "routes",
    "validates",
    "caches",
    "shards",
    "retries",
    "compacts",
    "promotes",
    "rolls back",
    "batches",
    "throttles",
    "replays",
    "versions",
    "profiles",
    "schedules",
)
ADJECTIVES = (
    "stale",
    "online",
    "offline",
    "canary",
    "shadow",
    "warm",
    "cold",
    "skewed",
    "idempotent",
    "stateful",
    "stateless",
    "regional",
    "quantized",
    "sharded",
)
LEADS = (
    "Where it comes from.",
    "Trade-offs.",
    "Failure modes.",
    "In practice.",
    "Detection.",
    "Prevention.",
    "Scaling it.",
    "Cost.",
)
LANGUAGES = (
    "python",
    "python",
    "python",
    "yaml",
    "yaml",
    "bash",
    "json",
    "toml",
    "sql",
    "dockerfile",
    "promql",
)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(NOUNS + VERBS + ADJECTIVES) for _ in range(n))


def sentence(rng: random.Random, code_rate: float = 0.03) -> str:
    text = (
        f"The {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {rng.choice(VERBS)} every "
        f"{rng.choice(NOUNS)} before the {rng.choice(NOUNS)} {rng.choice(VERBS)} "
        f"{words(rng, rng.randint(2, 6))}"
    )
    if rng.random() < code_rate:
        text += f" with `{rng.choice(NOUNS)}_{rng.choice(NOUNS)}()`"
    return text + "."


def explanation(rng: random.Random) -> str:
    """About 300 words in 5-7 blocks: paragraphs (most with a bold lead), a table in 40% and
    a bullet list in 55% of explanations, as in the shipped corpus."""
    paragraphs = []
    count = 0
    while count < 250:
        body = " ".join(sentence(rng, 0.2) for _ in range(rng.randint(2, 4)))
        para = f"**{rng.choice(LEADS)}** {body}" if rng.random() < 0.8 else body
        count += len(para.split())
        paragraphs.append(wrap(para))
    if rng.random() < 0.4:
        rows = [
            f"| {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} | {words(rng, 4)} | {words(rng, 3)} |"
            for _ in range(3)
        ]
        paragraphs.insert(
            1, "| Kind | What differs | Typical cause |\n|---|---|---|\n" + "\n".join(rows)
        )
    if rng.random() < 0.55:
        items = [f"- **{rng.choice(NOUNS)}**: {words(rng, rng.randint(5, 10))}." for _ in range(3)]
        paragraphs.insert(-1, "\n".join(items))
    return "\n\n".join(paragraphs)


def wrap(text: str, width: int = 95) -> str:
    if text.startswith("|"):
        return text
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line])


def ident(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)}_{rng.choice(NOUNS)}".replace(" ", "_").replace("-", "_")


def snippet(rng: random.Random, language: str) -> str:
    """10-30 lines of ``language`` that parse."""
    target = rng.randint(10, 30)
    out: list[str]
    if language == "python":
        out = ["import json", "from dataclasses import dataclass", ""]
        while len(out) < target - 4:
            name = ident(rng)
            out += [
                f"def {name}(batch, threshold={rng.randint(1, 99) / 100}):",
                f'    """{words(rng, 5).capitalize()}."""',
                "    kept = [x for x in batch if x.score > threshold]",
                "    return {'kept': len(kept), 'total': len(batch)}",
                "",
            ]
        out += ["if __name__ == '__main__':", f"    print(json.dumps({ident(rng)}([])))"]
    elif language == "yaml":
        out = [
            "apiVersion: apps/v1",
            "kind: Deployment",
            "metadata:",
            f"  name: {rng.choice(NOUNS)}-{rng.randint(1, 999)}",
            "spec:",
            f"  replicas: {rng.randint(1, 12)}",
            "  template:",
            "    spec:",
            "      containers:",
        ]
        while len(out) < target:
            out += [
                f"        - name: {rng.choice(NOUNS)}",
                f"          image: registry/{rng.choice(NOUNS)}:"
                f"{rng.randint(1, 9)}.{rng.randint(0, 20)}",
                "          resources:",
                f"            limits: {{cpu: '{rng.randint(1, 8)}', "
                f"memory: {rng.randint(1, 64)}Gi}}",
            ]
    elif language == "bash":
        out = ["#!/usr/bin/env bash", "set -euo pipefail", f'MODEL="{rng.choice(NOUNS)}"']
        while len(out) < target - 1:
            out += [
                f"for shard in $(seq 1 {rng.randint(2, 16)}); do",
                f'  if [[ -f "/data/$MODEL/$shard.{rng.choice(("pt", "onnx", "bin"))}" ]]; then',
                f'    echo "{words(rng, 3)} $shard"',
                "  else",
                f"    {rng.choice(('kubectl rollout status', 'aws s3 ls', 'curl -fsS'))} "
                '"$MODEL" || true',
                "  fi",
                "done",
            ]
        out.append('echo "done: $MODEL"')
    elif language == "json":
        items = [
            f'    "{ident(rng)}": {{"replicas": {rng.randint(1, 9)}, "canary": '
            f'{rng.choice(("true", "false"))}, "weight": {rng.randint(0, 100) / 100}}}'
            for _ in range(max(target - 5, 3))
        ]
        out = [
            "{",
            f'  "name": "{rng.choice(NOUNS)}",',
            '  "routes": {',
            ",\n".join(items),
            "  }",
            "}",
        ]
        out = "\n".join(out).split("\n")
    elif language == "toml":
        out = ["[project]", f'name = "{rng.choice(NOUNS)}-service"', 'version = "1.0.0"']
        i = 0
        while len(out) < target:
            i += 1
            out += [
                "",
                f"[tool.{rng.choice(NOUNS)}{i}]",
                f"threshold = {rng.randint(1, 99) / 100}",
                f'mode = "{rng.choice(ADJECTIVES)}"',
            ]
    elif language == "sql":
        cols = [f"  {ident(rng)}," for _ in range(max(target - 8, 2))]
        out = (
            ["SELECT", "  entity_id,"]
            + cols
            + [
                "  event_ts",
                "FROM features AS f",
                "JOIN labels AS l",
                "  ON l.entity_id = f.entity_id AND f.event_ts <= l.label_ts",
                f"WHERE l.label_ts >= DATE '2024-0{rng.randint(1, 9)}-01'",
                "ORDER BY event_ts;",
            ]
        )
    elif language == "dockerfile":
        out = ["FROM python:3.11-slim", "WORKDIR /app", "COPY requirements.txt ."]
        while len(out) < target - 2:
            out += [
                f"RUN pip install --no-cache-dir {rng.choice(NOUNS)}=={rng.randint(1, 5)}.0",
                f"ENV {rng.choice(NOUNS).upper()}_MODE={rng.choice(ADJECTIVES)}",
            ]
        out += ["COPY . .", 'CMD ["python", "-m", "serve"]']
    else:  # promql
        out = []
        while len(out) < target:
            out += [
                f"# {words(rng, 4)}",
                f"histogram_quantile(0.{rng.randint(50, 99)},",
                "  sum by (le) (rate(request_latency_seconds_bucket"
                f'{{job="{rng.choice(NOUNS)}"}}[5m]))',
                ")",
            ]
    return "\n".join(out) + "\n"


def question(rng: random.Random, number: int) -> tuple[str, dict]:
    qid = f"q{number:05d}-{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}"
    code = []
    for _ in range(rng.choice((1, 1, 2))):
        language = rng.choice(LANGUAGES)
        code.append(
            {
                "language": language,
                "caption": f"{words(rng, 5).capitalize()}",
                "source": snippet(rng, language),
            }
        )
    data = {
        "id": qid,
        "number": number,
        "difficulty": "senior" if rng.random() < 0.85 else "intermediate",
        "topics": rng.sample(sorted(TOPICS), rng.randint(1, 3)),
        "question": f"How does a {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} affect the "
        f"{rng.choice(NOUNS)} {rng.choice(NOUNS)}?",
        "key_points": [
            f"{words(rng, rng.randint(10, 18)).capitalize()}"
            + (f" with `{ident(rng)}`." if rng.random() < 0.03 else ".")
            for _ in range(4)
        ],
        "explanation": explanation(rng),
        "code": code,
        "mistakes": [f"{words(rng, rng.randint(10, 18)).capitalize()}." for _ in range(3)],
        "follow_ups": [
            {
                "id": f"follow-up-{i + 1}",
                "question": f"What if the {rng.choice(NOUNS)} is {rng.choice(ADJECTIVES)}?",
                "answer": " ".join(sentence(rng) for _ in range(2)),
            }
            for i in range(3)
        ],
    }
    return f"{number:05d}-{qid}.yaml", data


def to_yaml(data: dict) -> str:
    """The corpus style by hand: block scalars for multi-line text, JSON strings otherwise."""

    def scalar(value) -> str:
        return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)

    def block(text: str, indent: int) -> str:
        pad = " " * indent
        lines = text.rstrip("\n").split("\n")
        return "|\n" + "\n".join(pad + line if line else "" for line in lines) + "\n"

    out = []
    for key, value in data.items():
        if isinstance(value, str) and "\n" in value:
            out.append(f"{key}: {block(value, 2)}")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            out.append(f"{key}:\n")
            for item in value:
                first = True
                for k, v in item.items():
                    prefix = "  - " if first else "    "
                    first = False
                    text = block(v, 6) if "\n" in v else scalar(v) + "\n"
                    out.append(f"{prefix}{k}: {text}")
        elif isinstance(value, list) and key == "topics":
            out.append(f"{key}: [{', '.join(value)}]\n")
        elif isinstance(value, list):
            out.append(f"{key}:\n" + "".join(f"  - {scalar(v)}\n" for v in value))
        else:
            out.append(f"{key}: {scalar(value)}\n")
    return "".join(out)


def make_corpus(n: int, out_dir: Path, *, seed: int = 8) -> Path:
    """Write ``out_dir/synthetic`` with ``n`` questions; return ``out_dir``."""
    rng = random.Random(seed)
    deck_dir = out_dir / "synthetic"
    if deck_dir.exists():
        shutil.rmtree(deck_dir)
    qdir = deck_dir / "questions"
    qdir.mkdir(parents=True)
    (deck_dir / "deck.yaml").write_text(
        "id: synthetic\nname: Synthetic Benchmark Deck\ndescription: |\n"
        f"  {n} generated questions for benchmarks.\ntag_prefix: syn\n"
        "difficulties: [intermediate, senior]\ntopics:\n"
        + "".join(f"  {k}: {v}\n" for k, v in TOPICS.items()),
        encoding="utf-8",
    )
    for number in range(1, n + 1):
        name, data = question(rng, number)
        (qdir / name).write_text(to_yaml(data), encoding="utf-8")
    return out_dir


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of questions")
    parser.add_argument("out_dir", type=Path, help="decks folder to write")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    make_corpus(args.n, args.out_dir, seed=args.seed)


if __name__ == "__main__":
    main()

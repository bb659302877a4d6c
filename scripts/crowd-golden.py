#!/usr/bin/env python3
"""Golden vectors for src/stats/dawid-skene.ts, run by hand (not by CI):

    python3 scripts/crowd-golden.py > test/fixtures/crowd-golden.json

For a few seeded synthetic crowds it writes the answers and, per method (MajorityVote, DawidSkene,
OneCoinDawidSkene), every task's label and posteriors. It uses Toloka's crowd-kit when it can be imported;
otherwise a reference written here with numpy, following crowd-kit's documented conventions: start from
majority-vote posteriors, priors = mean posterior, confusion counts clipped at 1e-10 and normalised over the
labels the worker used, stop when the evidence lower bound per answer improves by less than 1e-5 (at most 100
rounds), a tie goes to the first label in sorted order. The JSON says which produced it.

crowd-kit's own toy fixtures are not reproduced: we do not know their exact contents reliably.
"""
import json
import random
import sys

import numpy as np

EPS = 1e-10

try:  # pragma: no cover - crowd-kit is not installable where this was first run
    import pandas as pd
    from crowdkit.aggregation import DawidSkene, MajorityVote, OneCoinDawidSkene

    PRODUCER = "crowd-kit"
except ImportError:
    PRODUCER = "independent numpy reference (crowd-kit not importable)"


# --- Synthetic crowds -----------------------------------------------------------------------------------


def synthetic(seed, n_tasks, labels, workers, per_task):
    """workers: list of (name, kind, accuracy); kind 'honest' errs uniformly, 'swap' answers swap[truth]."""
    rng = random.Random(seed)
    truth = {f"t{i:03d}": rng.choice(labels) for i in range(n_tasks)}
    answers = []
    for task, true in truth.items():
        for name, kind, accuracy in rng.sample(workers, per_task):
            if kind == "swap" and rng.random() < accuracy:
                given = labels[(labels.index(true) + 1) % len(labels)]
            elif kind == "swap" or rng.random() < accuracy:
                given = true
            else:
                given = rng.choice([label for label in labels if label != true])
            answers.append((task, name, given))
    return answers, truth


def crowds():
    honest = [(f"w{i:02d}", "honest", 0.55 + 0.04 * i) for i in range(10)]
    mixed = (
        [(f"good{i}", "honest", 0.92) for i in range(6)]
        + [(f"sloppy{i}", "honest", 0.6) for i in range(3)]
        + [(f"swap{i}", "swap", 0.85) for i in range(4)]
    )
    sparse_workers = [(f"p{i:02d}", "honest", 0.6 + 0.008 * i) for i in range(40)]
    yield "honest-3-classes", *synthetic(11, 150, ["negative", "neutral", "positive"], honest, 5)
    yield "swappers-13", *synthetic(12, 200, ["negative", "neutral", "positive"], mixed, 7)
    yield "binary-small", *synthetic(13, 24, ["no", "yes"], honest[:5], 3)
    # Many annotators with few answers each, some tasks with a single answer.
    answers, truth = synthetic(14, 200, ["a", "b", "c"], sparse_workers, 4)
    rng = random.Random(15)
    kept = [row for row in answers if not (row[0] < "t020" and rng.random() < 0.6)]
    yield "sparse-40-annotators", kept, truth


# --- Independent reference ------------------------------------------------------------------------------


def encode(answers):
    tasks = sorted({t for t, _, _ in answers})
    workers = sorted({w for _, w, _ in answers})
    labels = sorted({l for _, _, l in answers})
    ti = {t: i for i, t in enumerate(tasks)}
    wi = {w: i for i, w in enumerate(workers)}
    li = {l: i for i, l in enumerate(labels)}
    rows = np.array([[ti[t], wi[w], li[l]] for t, w, l in answers])
    return tasks, workers, labels, rows


def mv_proba(rows, n_tasks, n_labels):
    votes = np.zeros((n_tasks, n_labels))
    np.add.at(votes, (rows[:, 0], rows[:, 2]), 1.0)
    return votes / votes.sum(axis=1, keepdims=True)


def m_step(rows, proba, n_workers, n_labels):
    # errors[w, observed, true]; only labels a worker used count, as in a groupby over (worker, label).
    errors = np.zeros((n_workers, n_labels, n_labels))
    np.add.at(errors, (rows[:, 1], rows[:, 2]), proba[rows[:, 0]])
    used = np.zeros((n_workers, n_labels), dtype=bool)
    used[rows[:, 1], rows[:, 2]] = True
    errors = np.where(used[:, :, None], np.maximum(errors, EPS), 0.0)
    return errors / errors.sum(axis=1, keepdims=True)


def one_coin_m_step(rows, proba, n_workers, n_labels):
    hits = proba[rows[:, 0], rows[:, 2]]
    skills = np.bincount(rows[:, 1], weights=hits, minlength=n_workers) / np.bincount(rows[:, 1], minlength=n_workers)
    errors = np.empty((n_workers, n_labels, n_labels))
    errors[:] = ((1 - skills) / (n_labels - 1))[:, None, None]
    idx = np.arange(n_labels)
    errors[:, idx, idx] = skills[:, None]
    return np.clip(errors, EPS, 1 - EPS)


def e_step(rows, priors, errors, n_tasks):
    with np.errstate(divide="ignore"):
        log_lik = np.tile(np.log(priors), (n_tasks, 1))
        np.add.at(log_lik, rows[:, 0], np.log(errors[rows[:, 1], rows[:, 2]]))
    log_lik -= log_lik.max(axis=1, keepdims=True)
    lik = np.exp(log_lik)
    return lik / lik.sum(axis=1, keepdims=True)


def elbo(rows, proba, priors, errors):
    with np.errstate(divide="ignore", invalid="ignore"):
        joint = np.log(errors[rows[:, 1], rows[:, 2]]) + np.log(priors)
        expectation = np.nansum(proba[rows[:, 0]] * np.where(np.isfinite(joint), joint, 0.0))
        entropy = -np.nansum(np.where(proba > 0, proba * np.log(proba), 0.0))
    return (expectation + entropy) / len(rows)


def reference(answers, one_coin):
    tasks, workers, labels, rows = encode(answers)
    step = one_coin_m_step if one_coin else m_step
    proba = mv_proba(rows, len(tasks), len(labels))
    priors = proba.mean(axis=0)
    errors = step(rows, proba, len(workers), len(labels))
    loss = -np.inf
    for _ in range(100):
        proba = e_step(rows, priors, errors, len(tasks))
        priors = proba.mean(axis=0)
        errors = step(rows, proba, len(workers), len(labels))
        new_loss = elbo(rows, proba, priors, errors)
        if new_loss - loss < 1e-5:
            break
        loss = new_loss
    return tasks, labels, proba


def aggregate(answers, method):
    if PRODUCER == "crowd-kit":
        frame = pd.DataFrame(answers, columns=["task", "worker", "label"])
        model = {"majority_vote": MajorityVote(), "dawid_skene": DawidSkene(n_iter=100), "one_coin": OneCoinDawidSkene(n_iter=100)}[method]
        proba = model.fit_predict_proba(frame).sort_index()
        labels = sorted(proba.columns)
        proba = proba[labels].fillna(0.0)
        return list(proba.index), labels, proba.to_numpy()
    if method == "majority_vote":
        tasks, _, labels, rows = encode(answers)
        return tasks, labels, mv_proba(rows, len(tasks), len(labels))
    return reference(answers, one_coin=method == "one_coin")


def main():
    out = {"producer": PRODUCER, "crowds": []}
    for name, answers, truth in crowds():
        entry = {"name": name, "answers": [list(a) for a in answers], "truth": truth, "methods": {}}
        for method in ("majority_vote", "dawid_skene", "one_coin"):
            tasks, labels, proba = aggregate(answers, method)
            entry["labels"] = labels
            entry["methods"][method] = {
                task: {"label": labels[int(np.argmax(row))], "posteriors": [round(float(p), 6) for p in row]}
                for task, row in zip(tasks, proba)
            }
        out["crowds"].append(entry)
    json.dump(out, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

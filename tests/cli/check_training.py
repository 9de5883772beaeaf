#!/usr/bin/python3
"""Checks an `ingot train --json` report (and optionally an `ingot eval
--json` result of the model it wrote).

usage: check_training.py RUN.json [--min-accuracy A] [--min-test-accuracy A]
                         [--loss-drops] [--max-loss L] [--eval EVAL.json]

--min-accuracy        the last epoch's training accuracy is at least A
--min-test-accuracy   the last epoch's test accuracy is at least A
--loss-drops          the last epoch's training loss is below the first's
--max-loss L          the last epoch's training loss (and the evaluation's) is
                      at most L (regression: L from the data's noise level)
--eval EVAL.json      the written model, evaluated again, gives the last
                      epoch's test loss and accuracy (same weights, same data);
                      without a test split, its accuracy on all the data is
                      at least --min-accuracy
"""
import argparse
import json
import math
import sys


def main():
    p = argparse.ArgumentParser()
    p.add_argument("run")
    p.add_argument("--min-accuracy", type=float)
    p.add_argument("--min-test-accuracy", type=float)
    p.add_argument("--loss-drops", action="store_true")
    p.add_argument("--max-loss", type=float)
    p.add_argument("--eval")
    a = p.parse_args()
    run = json.load(open(a.run))
    epochs = run["epochs"]
    problems = []
    if not epochs:
        problems.append("no epochs in the report")
    else:
        first, last = epochs[0], epochs[-1]
        print(f"{len(epochs)} epochs: loss {first['loss']:.4f} -> {last['loss']:.4f}, accuracy "
              f"{last['accuracy']}, test accuracy {last['test_accuracy']}")
        if a.max_loss is not None and not last["loss"] <= a.max_loss:
            problems.append(f"the last epoch's loss {last['loss']} > {a.max_loss}")
        if a.min_accuracy is not None and not last["accuracy"] >= a.min_accuracy:
            problems.append(f"training accuracy {last['accuracy']} < {a.min_accuracy}")
        if a.min_test_accuracy is not None and not (last["test_accuracy"] or 0) >= a.min_test_accuracy:
            problems.append(f"test accuracy {last['test_accuracy']} < {a.min_test_accuracy}")
        if a.loss_drops and not last["loss"] < first["loss"]:
            problems.append(f"the loss did not drop: {first['loss']} -> {last['loss']}")
        if a.eval:
            ev = json.load(open(a.eval))
            print(f"eval: loss {ev['loss']:.6f} accuracy {ev['accuracy']} on {ev['samples']} samples")
            if a.max_loss is not None and not ev["loss"] <= a.max_loss:
                problems.append(f"eval loss {ev['loss']} > {a.max_loss}")
            if last["test_loss"] is not None:
                if ev["accuracy"] != last["test_accuracy"]:
                    problems.append(f"eval accuracy {ev['accuracy']} != the last epoch's test accuracy "
                                    f"{last['test_accuracy']}")
                if not math.isclose(ev["loss"], last["test_loss"], rel_tol=1e-5):
                    problems.append(f"eval loss {ev['loss']} != the last epoch's test loss {last['test_loss']}")
            elif a.min_accuracy is not None and not ev["accuracy"] >= a.min_accuracy:
                # No test split: the written model, evaluated on the training
                # data, must be as good as training said.
                problems.append(f"eval accuracy {ev['accuracy']} < {a.min_accuracy}")
    if run.get("stopped"):
        problems.append("training stopped: " + run["stopped"])
    for msg in problems:
        print("FAIL: " + msg)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

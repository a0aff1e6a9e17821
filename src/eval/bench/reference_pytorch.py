"""PyTorch twin of `robonav bench learner`: the reference network of src/nn/referenceNet.ts,
timed the same way (median wall time after warm-up) on one CPU thread.

Not a robonav dependency; only for the comparison in docs/results.md. Needs Debian's python3-torch:
    apt-get install -y python3-torch
    python3 src/eval/bench/reference_pytorch.py --batch 256 --iters 20 --threads 1
Prints one JSON line: {"backend": "pytorch", "batch", "forwardMs", "trainStepMs", ...}.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


def reference_net() -> nn.Module:
    # Channels-first twin of the tfjs layers: input 4×64×64 → 16@15×15 → 32@6×6 → 32@4×4 → 512 → 256 → 4.
    return nn.Sequential(
        nn.Conv2d(4, 16, kernel_size=8, stride=4), nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=4, stride=2), nn.ReLU(),
        nn.Conv2d(32, 32, kernel_size=3, stride=1), nn.ReLU(),
        nn.Flatten(),
        nn.Linear(512, 256), nn.ReLU(),
        nn.Linear(256, 4),
    )


def median_ms(fn, warmup: int, iters: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    model = reference_net()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.batch, 4, 64, 64)
    y = torch.randn(args.batch, 4)
    loss_fn = nn.MSELoss()

    def forward() -> None:
        with torch.no_grad():
            model(x)

    def train_step() -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()

    forward_ms = median_ms(forward, args.warmup, args.iters)
    train_ms = median_ms(train_step, args.warmup, args.iters)
    print(json.dumps({
        "backend": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
        "batch": args.batch, "forwardMs": round(forward_ms, 2), "trainStepMs": round(train_ms, 2),
        "iters": args.iters, "warmup": args.warmup,
    }))


if __name__ == "__main__":
    main()

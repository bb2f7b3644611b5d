#!/usr/bin/env python3
"""The same Gatys et al. (2016) iteration as our engine, through PyTorch, for a speed reference only.

VGG19 up to conv5_1 (random He-initialised weights: speed does not depend on the values), content loss at
conv4_2, Gram style losses at conv1_1..conv5_1, one iteration = forward + backward w.r.t. the pixels + an
optimiser step (Adam, or L-BFGS with --history pairs and one function evaluation per step, as
jcjohnson/neural-style counts them). Prints one JSON object with the median seconds per iteration.

Needs Debian's python3-torch (and libopenblas0-openmp for fast BLAS); Debian's torch lives in
/usr/bin/python3's dist-packages, so run it with that interpreter:

    /usr/bin/python3 packages/core/bench/pytorch_gatys.py --sizes 128 256 --iterations 10
    /usr/bin/python3 packages/core/bench/pytorch_gatys.py --shapes 256x192   # width x height, as bench.ts runs it
"""

import argparse
import resource
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F

# (name, in channels, out channels) up to conv5_1; a 2x2 pool follows the last conv of each block.
VGG19_TO_CONV5_1 = [
    ("conv1_1", 3, 64), ("conv1_2", 64, 64),
    ("conv2_1", 64, 128), ("conv2_2", 128, 128),
    ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256), ("conv3_4", 256, 256),
    ("conv4_1", 256, 512), ("conv4_2", 512, 512), ("conv4_3", 512, 512), ("conv4_4", 512, 512),
    ("conv5_1", 512, 512),
]
CONTENT_LAYERS = ["conv4_2"]
STYLE_LAYERS = ["conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv5_1"]


def random_weights(seed):
    generator = torch.Generator().manual_seed(seed)
    weights = []
    for name, cin, cout in VGG19_TO_CONV5_1:
        std = (2.0 / (9 * cin)) ** 0.5
        kernel = torch.randn(cout, cin, 3, 3, generator=generator) * std
        bias = torch.randn(cout, generator=generator) * 0.01
        weights.append((name, kernel, bias))
    return weights


def features(weights, image, pooling):
    out = {}
    x = image
    for index, (name, kernel, bias) in enumerate(weights):
        x = F.relu(F.conv2d(x, kernel, bias, padding=1))
        out[name] = x
        following = weights[index + 1][0] if index + 1 < len(weights) else None
        if following is not None and following[:5] != name[:5]:
            x = F.max_pool2d(x, 2) if pooling == "max" else F.avg_pool2d(x, 2)
    return out


def gram(feature):
    _, channels, height, width = feature.shape
    matrix = feature.reshape(channels, height * width)
    return matrix @ matrix.t(), channels, height * width


def gatys_loss(weights, image, targets, pooling, content_weight=1.0, style_weight=1e4):
    maps = features(weights, image, pooling)
    content = sum(0.5 * torch.sum((maps[layer] - targets[layer]) ** 2) for layer in CONTENT_LAYERS)
    style = 0.0
    for layer in STYLE_LAYERS:
        g, n, m = gram(maps[layer])
        style = style + torch.sum((g - targets[layer]) ** 2) / (4.0 * n * n * m * m) / len(STYLE_LAYERS)
    return content_weight * content + style_weight * style


def forward_gflop(width, height):
    """2·H·W·9·Cin·Cout per conv, at the resolution each conv runs at."""
    total = 0
    for index, (name, cin, cout) in enumerate(VGG19_TO_CONV5_1):
        total += 2 * width * height * 9 * cin * cout
        following = VGG19_TO_CONV5_1[index + 1][0] if index + 1 < len(VGG19_TO_CONV5_1) else None
        if following is not None and following[:5] != name[:5]:
            width, height = width // 2, height // 2
    return total / 1e9


def parse_shape(text):
    """'256' (square) or '256x192' (width x height)."""
    width, _, height = text.partition("x")
    return int(width), int(height or width)


def seconds_per_iteration(weights, width, height, optimizer_name, pooling, iterations, warmup, history):
    generator = torch.Generator().manual_seed(1)
    content_image = torch.rand(1, 3, height, width, generator=generator) * 255 - 128
    style_image = torch.rand(1, 3, height, width, generator=generator) * 255 - 128
    with torch.no_grad():
        content_maps = features(weights, content_image, pooling)
        style_maps = features(weights, style_image, pooling)
        targets = {layer: content_maps[layer] for layer in CONTENT_LAYERS}
        targets.update({layer: gram(style_maps[layer])[0] for layer in STYLE_LAYERS})
    image = content_image.clone().requires_grad_(True)

    if optimizer_name == "adam":
        optimizer = torch.optim.Adam([image], lr=10)
    else:
        optimizer = torch.optim.LBFGS(
            [image], lr=1, max_iter=1, history_size=history, tolerance_grad=-1, tolerance_change=-1
        )

    def closure():
        optimizer.zero_grad()
        loss = gatys_loss(weights, image, targets, pooling)
        loss.backward()
        return loss

    times, cpu_times = [], []
    for step in range(warmup + iterations):
        start, cpu_start = time.perf_counter(), time.process_time()
        optimizer.step(closure)
        if step >= warmup:
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu_start)
    return statistics.median(times), statistics.median(cpu_times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256], help="square images of these sides")
    parser.add_argument("--shapes", type=parse_shape, nargs="+", help="WIDTHxHEIGHT images, instead of --sizes")
    parser.add_argument("--optimizers", nargs="+", choices=["adam", "lbfgs"], default=["adam", "lbfgs"])
    parser.add_argument("--poolings", nargs="+", choices=["max", "avg"], default=["max", "avg"])
    parser.add_argument("--iterations", type=int, default=10, help="timed iterations (median is reported)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--history", type=int, default=16, help="L-BFGS pairs (our engine's default)")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    weights = random_weights(seed=1)
    results = []
    for width, height in args.shapes or [(size, size) for size in args.sizes]:
        for optimizer_name in args.optimizers:
            for pooling in args.poolings:
                seconds, cpu_seconds = seconds_per_iteration(
                    weights, width, height, optimizer_name, pooling, args.iterations, args.warmup, args.history
                )
                results.append({
                    "size": max(width, height),
                    "width": width,
                    "height": height,
                    "optimizer": optimizer_name,
                    "pooling": pooling,
                    **({"lbfgsHistory": args.history} if optimizer_name == "lbfgs" else {}),
                    "secondsPerIteration": round(seconds, 4),
                    # CPU time of all threads: less sensitive than wall time to other jobs on a shared machine.
                    "cpuSecondsPerIteration": round(cpu_seconds, 4),
                    # Backward w.r.t. the input costs the same as the forward pass.
                    "gflops": round(2 * forward_gflop(width, height) / seconds, 1),
                    # The process's peak so far (one configuration per call gives that configuration's).
                    "peakRssMB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6),
                })
    print(json.dumps({
        "engine": "pytorch",
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "loadAverage": round(os.getloadavg()[0], 2),
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()

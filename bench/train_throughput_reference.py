#!/usr/bin/python3
# Training throughput of PyTorch (Debian python3-torch) on torchvision's MobileNetV2: the reference of train_throughput.cpp.
#
# Same network (torchvision.models.mobilenet_v2 at the width and classes given, dropout off,
# since the IR has no dropout), same batch, threads, optimizer (SGD, Nesterov momentum 0.9,
# weight decay on conv and linear weights only), loss (cross-entropy) and input: random
# images. Prints one line: "params N images_per_second X" (the best of --rounds rounds).
import argparse
import time

import torch
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--width", type=float, default=0.5)
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(width_mult=args.width, num_classes=args.classes, dropout=0.0)
    model.train()
    decayed = [p for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) for n, p in
               m.named_parameters(recurse=False) if n == "weight"]
    decayed_ids = {id(p) for p in decayed}
    others = [p for p in model.parameters() if id(p) not in decayed_ids]
    optimizer = torch.optim.SGD([{"params": decayed, "weight_decay": 5e-5}, {"params": others, "weight_decay": 0.0}],
                                lr=0.01, momentum=0.9, nesterov=True)
    images = torch.rand(args.batch, 3, args.resolution, args.resolution)
    labels = torch.randint(0, args.classes, (args.batch,))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(images), labels)
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    best = 0.0
    for _ in range(args.rounds):
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        seconds = time.perf_counter() - start
        best = max(best, args.steps * args.batch / seconds)
    params = sum(p.numel() for p in model.parameters())
    print(f"params {params} images_per_second {best:.3f}")


if __name__ == "__main__":
    main()

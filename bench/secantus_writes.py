"""How one SecantusDB server process's write latency changes with the writes it has taken:
plain inserts spread over 6 collections, no project code involved.

    python bench/secantus_writes.py [--blocks 6] [--per-block 2500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import embedded_mongo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--per-block", type=int, default=2500)
    args = parser.parse_args()
    with embedded_mongo.running(":memory:") as server:
        client: MongoClient = MongoClient(server.uri)
        db = client["probe"]
        for block in range(args.blocks):
            start = time.perf_counter()
            for i in range(args.per_block):
                db[f"c{i % 6}"].insert_one({"_id": f"{block}-{i}", "v": i})
            per = (time.perf_counter() - start) / args.per_block * 1000
            print(f"writes {block * args.per_block:>6}–{(block + 1) * args.per_block:<6} {per:6.2f} ms/insert")
        client.close()


if __name__ == "__main__":
    main()

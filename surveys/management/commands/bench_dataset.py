"""`manage.py bench_dataset --agencies 2000 --responses 10000000 --ballots 5000 --seed 1`.

Benchmark data, built by bench/dataset.py."""
import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Build a province-sized benchmark cycle inside PostgreSQL (see bench/dataset.py); never on production data."

    def add_arguments(self, parser):
        parser.add_argument("--agencies", type=int, default=2000)
        parser.add_argument("--responses", type=int, default=10_000_000)
        parser.add_argument("--ballots", type=int, default=5000)
        parser.add_argument("--coverage", type=float, default=1.0, help="share of the agencies each ballot rates")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--cycle", default="bench", help="code of the cycle to create")

    def handle(self, *args, agencies, responses, ballots, coverage, seed, cycle, **options):
        from bench.dataset import DatasetError, build

        if agencies < 1 or responses < 0 or ballots < 0:
            raise CommandError("--agencies must be ≥ 1, --responses and --ballots ≥ 0")
        try:
            made = build(agencies=agencies, responses=responses, ballots=ballots, seed=seed, cycle_code=cycle,
                         coverage=coverage, log=lambda line: self.stderr.write(line))
        except DatasetError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(made, ensure_ascii=False, default=str))

"""Signal receivers: scoring announces a final snapshot; rectification acts on its outcomes."""
from scoring.models import RankingSnapshot

from .services.ranking import ranking_outcomes_publish


def on_final_snapshot_published(sender, snapshot: RankingSnapshot, **kwargs) -> None:
    ranking_outcomes_publish(snapshot=snapshot)

"""The surveys app's beat schedule: the rollups catch up with the Redis submission path every 5 s."""

BEAT_SCHEDULE = {
    "surveys-rollups-catch-up": {"task": "surveys.rollups_catch_up", "schedule": 5.0,
                                 "options": {"expires": 5.0}},
}

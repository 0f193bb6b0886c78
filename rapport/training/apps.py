from django.apps import AppConfig


class TrainingConfig(AppConfig):
    """Training mode: practice scenarios scored by the coach (issue 11 part 7, KN4):
    docs/training.md."""

    name = "rapport.training"
    verbose_name = "Training"

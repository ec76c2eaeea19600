"""The schema model: what a migration history has built, replayed statement by statement."""

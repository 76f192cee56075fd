"""Custom actions for the clinic assistant (run by rasa-sdk's action server).

rasa-sdk imports every module of this package, so each concern lives in its own module and
registers its actions simply by defining them. Pure helpers (no Tracker, no dispatcher) live
in their own modules so they can be unit-tested directly.
"""

"""Safety logic that must not depend on a trained model: emergencies first."""

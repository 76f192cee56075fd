"""Dialogue components the Rasa server loads (policies)."""

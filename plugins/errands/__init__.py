"""Errands (跑腿): groceries and vegetables, heavy carrying (rice, cooking oil), medicine pickup."""

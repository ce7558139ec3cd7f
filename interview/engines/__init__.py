"""Interviewer engines behind one protocol."""

from .base import Interviewer, available_engines, get_engine
from .offline import OfflineInterviewer

__all__ = ["Interviewer", "OfflineInterviewer", "available_engines", "get_engine"]

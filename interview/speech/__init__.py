"""Speech: transcribe spoken answers (with word timings for delivery metrics) and speak questions aloud."""

"""The live chat feed: a bounded, batched list model and a fast plain-text view."""

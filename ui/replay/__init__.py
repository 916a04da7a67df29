"""The replay review (复盘): a recorded session's timeline, products, comments, exports."""

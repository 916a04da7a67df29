"""Everything a person sees. Thin: renders app/ state and forwards intents; decides nothing."""

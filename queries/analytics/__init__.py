"""One module per question a page asks: counts from SQL, inference from stats."""

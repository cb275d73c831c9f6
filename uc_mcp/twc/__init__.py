"""The Wishlist (TWC): customers of a TWC tenant through its customer service API (issue 19)."""

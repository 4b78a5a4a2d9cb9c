"""Domain operations. No request, session, flash or current_user in here; callers commit."""

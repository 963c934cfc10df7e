"""Who is acting and what they may see: users, sign-in, the access policy and the read log."""

"""The `youthcare` command: the standalone projector, views, audit, case files, users, keys, database role.

    youthcare projector                  keep every view up to date until stopped (SIGTERM/SIGINT)
    youthcare projections status         each view's position and lag, as a table
    youthcare projections rebuild [NAME] start views over from the first event, with a progress bar
    youthcare verify [--anchor FILE]     recompute every hash chain; exit status 1 if any is broken
    youthcare anchor [--signed | --public-key]
                                         print the newest log link (JSON) for someone outside to hold
    youthcare export CASE_ID [-o FILE]   write the case file (case, pairs, referrals, links, anchor)
    youthcare verify-export FILE         check a case file offline; exit status 1 if it was altered
    youthcare replay CASE_ID [--at TIME | --version N]
                                         the case file's timeline and state then, as tables
    youthcare users add|list|disable|enable|set-role|reset-password ...
    youthcare database setup --app-role ROLE | grants ROLE
    youthcare keys rotate

One module per group of commands (views, audit, replay, users, admin); `output` decides what a
terminal gets (colour, boxes, live bars) and what a pipe gets (plain text); `app` wires the tree.
"""

from api.cli.admin import rotate_keys
from api.cli.app import main
from api.cli.audit import run_verify

__all__ = ["main", "rotate_keys", "run_verify"]

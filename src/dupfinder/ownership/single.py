"""The hint for a scan whose code all belongs to one team: nothing can span teams then.

Five package folders side by side, none a git repository, fall back to one team
(the scanned folder's) under the default ``--team-fallback repo``; every copy is
then that team's own clean-up and no opportunity appears.  The hint says how to
name the teams.  Cost: O(files).
"""

from __future__ import annotations

from collections.abc import Mapping


def one_team_hint(file_teams: Mapping[str, str | None], fallback: str) -> str | None:
    """The hint when the files of ``file_teams`` (path -> team) belong to one team, else None."""
    teams = {team for team in file_teams.values() if team is not None}
    if len(teams) != 1 or len(file_teams) < 2:
        return None
    (team,) = teams
    folders = {path.split("/", 1)[0] for path in file_teams if "/" in path}
    split = ""
    if len(folders) > 1 and fallback != "depth:1":
        split = f", or --team-fallback depth:1 to make each of the {len(folders)} top folders a team"
    return (f"all code belongs to one team ({team}), so no opportunity can span teams: "
            f"name the teams with --teams FILE{split}")  # fmt: skip


__all__ = ["one_team_hint"]

"""Annotated examples for the `data-access` category (see auth.py for the annotations)."""

import sqlite3


class UserStore:
    def __init__(self, db_path: str) -> None:
        self.conn = sqlite3.connect(db_path)

    # category: data-access
    def get_user(self, user_id: int) -> dict | None:
        cur = self.conn.cursor()
        cur.execute("SELECT id, email, display_name FROM users WHERE id = ?", (user_id,))
        row = cur.fetchone()
        if row is None:
            return None
        return {"id": row[0], "email": row[1], "display_name": row[2]}

    # category: data-access
    def email_exists(self, email: str) -> bool:
        # "email" in a name is not a notification
        cur = self.conn.execute("SELECT 1 FROM users WHERE email = ?", (email,))
        return cur.fetchone() is not None

    # category: data-access
    def insert_user(self, **fields) -> int:
        columns = ", ".join(fields)
        placeholders = ", ".join("?" for _ in fields)
        cur = self.conn.execute(f"INSERT INTO users ({columns}) VALUES ({placeholders})", tuple(fields.values()))
        self.conn.commit()
        return cur.lastrowid

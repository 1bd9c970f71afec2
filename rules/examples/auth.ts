// Annotated examples for the `auth` category in TypeScript (see auth.py for the annotations).
import { compare } from "bcryptjs";
import type { Request, Response } from "express";

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export class AdminSessionClient {
  constructor(private http: { post(url: string, body: unknown): Promise<Session> }, private storage: Storage) {}

  // category: auth
  async login(email: string, password: string): Promise<Session> {
    const session = await this.http.post("/api/session", { email, password });
    this.storage.setItem("session", JSON.stringify(session));
    return session;
  }

  // category: auth
  async refreshSession(current: Session): Promise<Session> {
    const session = await this.http.post("/api/session/refresh", { refreshToken: current.refreshToken });
    this.storage.setItem("session", JSON.stringify(session));
    return session;
  }
}

// category: auth
export async function signIn(req: Request, res: Response, users: { byEmail(e: string): Promise<{ id: string; hash: string } | null> }) {
  const user = await users.byEmail(req.body.email);
  if (!user || !(await compare(req.body.password, user.hash))) {
    return res.status(401).json({ error: "invalid credentials" });
  }
  req.session.userId = user.id;
  res.cookie("remember_me", "1", { httpOnly: true });
  return res.redirect("/");
}

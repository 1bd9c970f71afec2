// Annotated examples for the `http-retry` category in TypeScript (see auth.py for the annotations).
import axios from "axios";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// category: http-retry
export async function fetchWithRetry(url: string, init: RequestInit = {}, maxAttempts = 4): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    try {
      const response = await fetch(url, init);
      if (response.status !== 429 && response.status < 500) return response;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (err) {
      lastError = err;
    }
    await sleep(2 ** attempt * 250 + Math.random() * 100);
  }
  throw lastError;
}

// category: http-retry
export async function getJson<T>(path: string, retries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await axios.get<T>(path, { timeout: 5000 });
      return res.data;
    } catch (err) {
      if (attempt > retries) throw err;
      await sleep(Math.pow(2, attempt) * 100);
    }
  }
}

// category: none
export function formatMoney(cents: number, currency = "USD"): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(cents / 100);
}

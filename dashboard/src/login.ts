// The login page: trades the token for shoald's HttpOnly cookie.
const form = document.getElementById("login") as HTMLFormElement;
const token = document.getElementById("token") as HTMLInputElement;
const error = document.getElementById("error") as HTMLElement;

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  try {
    const response = await fetch("/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: token.value.trim() }),
      credentials: "same-origin",
    });
    if (response.ok) {
      window.location.assign("/");
      return;
    }
    const body = await response.json().catch(() => null);
    error.textContent = body?.message ?? `login failed (HTTP ${response.status})`;
  } catch (e) {
    error.textContent = `cannot reach the node: ${e}`;
  }
});

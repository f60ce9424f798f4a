/**
 * The admin login page: one form that takes a token (e.g. from `actor-core token --scope admin`).
 * Plain HTML with no script, so it works under the strict Content-Security-Policy helmet sets.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(message?: string): string {
  const notice = message === undefined ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Actor Core admin: sign in</title>
<style>
body{font-family:system-ui,sans-serif;background:#151a21;color:#e6e9ee;display:flex;justify-content:center;padding-top:15vh}
form{background:#1f2630;padding:2rem;border-radius:8px;width:min(32rem,90vw)}
input{width:100%;box-sizing:border-box;padding:.5rem;margin:.5rem 0 1rem;font-family:monospace}
button{padding:.5rem 1.5rem}.error{color:#ff8080}
</style>
</head>
<body>
<form method="post" action="/admin/login">
<h1>Actor Core admin</h1>
${notice}
<label for="token">Access token (scope <code>admin</code>)</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

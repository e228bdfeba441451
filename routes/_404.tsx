import type { PageProps } from "../core/web/mod.ts";

export default function NotFound(props: PageProps) {
  return (
    <main class="not-found">
      <h1>404</h1>
      <p>
        Nothing at <code>{props.url.pathname}</code>.
      </p>
      <p>
        <a href="/">Back to the terminal</a>
      </p>
    </main>
  );
}

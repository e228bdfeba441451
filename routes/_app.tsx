import type { AppProps } from "../core/web/mod.ts";

export default function App({ Component }: AppProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <title>fluxbook</title>
        <link
          rel="icon"
          href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect x='3' y='4' width='3' height='8' fill='%2326a69a'/%3E%3Crect x='10' y='2' width='3' height='10' fill='%23ef5350'/%3E%3C/svg%3E"
        />
        <link rel="stylesheet" href="/terminal.css" />
      </head>
      <body>
        <Component />
      </body>
    </html>
  );
}

/// <reference types="vite/client" />

// The variables this client reads at build time (Vite inlines `import.meta.env.VITE_*`).
interface ImportMetaEnv {
  /** Set: local mode against `pnpm dev` (no sign-in, unsigned requests). Unset: amplify_outputs.json. */
  readonly VITE_API_ENDPOINT?: string;
  /** Todos per page (the API allows 1–100); `?pageSize=N` in the page URL overrides it. */
  readonly VITE_PAGE_SIZE?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}

import { defineConfig } from 'vite';

// The dev server's port is fixed so `pnpm dev:web` always prints the same URL; a different origin
// from `pnpm dev` (port 3000), so every API call is a real cross-origin (CORS) request.
export default defineConfig({
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  build: { target: 'es2022', sourcemap: true },
});

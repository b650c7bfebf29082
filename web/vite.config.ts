import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Root is web/ so `vite build --config web/vite.config.ts` works from the repo root;
// the server serves web/dist. In dev, API and Socket.IO go to the real server on :3000.
const root = fileURLToPath(new URL('.', import.meta.url));
const backend = `http://localhost:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // lightweight-charts alone is ~170 kB; one bundle is fine for a desk app on a LAN.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // The server refuses foreign Host/Origin headers: present the dev page as the backend's own.
    proxy: {
      '/api': { target: backend, changeOrigin: true, headers: { origin: backend } },
      '/socket.io': { target: backend, ws: true, changeOrigin: true, headers: { origin: backend } },
    },
  },
});

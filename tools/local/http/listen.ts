import type { Server } from "node:net";

/** Listens, or fails at once with a message naming the service and the port (never hangs). */
export function listen(server: Server, port: number, host: string, service: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `${service}: port ${port} on ${host} is already in use; stop what uses it or choose another port`
            : `${service}: cannot listen on ${host}:${port}: ${err.message}`,
        ),
      );
    };
    const onListening = () => {
      server.off("error", onError);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/** Fails at once, before anything starts, when one of these ports is taken (0 means any free port). */
export async function checkPortsFree(ports: Readonly<Record<string, number | undefined>>, host: string): Promise<void> {
  const { createServer } = await import("node:net");
  for (const [service, port] of Object.entries(ports)) {
    if (!port) continue;
    const probe = createServer();
    await listen(probe, port, host, service);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
}

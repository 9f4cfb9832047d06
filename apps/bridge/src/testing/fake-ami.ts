import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedAction {
  action: string;
  fields: Record<string, string>;
}

/**
 * A TCP server that speaks AMI like Asterisk: banner first, then answers Login (Success, or Error and close,
 * as Asterisk does), Ping, Logoff and CoreShowChannels (a recorded list, when the test gives one). Tests push recorded events to the logged-in session with send().
 * It parses what the bridge sends with its own few lines, not with the bridge's parser.
 */
export class FakeAmi {
  readonly actions: ReceivedAction[] = [];
  loginAttempts = 0;
  logins = 0;
  /** The first this-many Login actions are refused. */
  rejectLogins = 0;
  /** When false, Ping actions go unanswered, as on a half-dead link. */
  answerPings = true;
  /**
   * The answer to `Action: CoreShowChannels` for an ActionID (a recorded list); null: refused, as Asterisk
   * does for a manager user without the `reporting` write permission.
   */
  channels: ((actionId: string) => string) | null = null;
  #session: Socket | null = null;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly username: string,
    readonly secret: string,
  ) {}

  static async start(username: string, secret: string): Promise<FakeAmi> {
    const server = createServer();
    const fake = new FakeAmi(server, username, secret);
    server.on('connection', (socket) => fake.#accept(socket));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get port(): number {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('not listening');
    return address.port;
  }

  get connections(): number {
    return this.#sockets.size;
  }

  /** Writes raw AMI text to the logged-in session. */
  send(text: string): void {
    if (!this.#session) throw new Error('no logged-in AMI session');
    this.#session.write(text);
  }

  /** Drops every connection, as a PBX restart or a broken link would. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      if (this.#session === socket) this.#session = null;
    });
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    socket.write('Asterisk Call Manager/7.0.3\r\n');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\r\n\r\n'); end !== -1; end = buffer.indexOf('\r\n\r\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const fields: Record<string, string> = {};
        for (const line of block.split('\r\n')) {
          const i = line.indexOf(': ');
          if (i > 0) fields[line.slice(0, i)] = line.slice(i + 2);
        }
        this.#action(socket, { action: fields.Action ?? '', fields });
      }
    });
  }

  #action(socket: Socket, received: ReceivedAction): void {
    this.actions.push(received);
    const id = received.fields.ActionID;
    const reply = (lines: string[]) =>
      socket.write(
        `${[...lines.slice(0, 1), ...(id ? [`ActionID: ${id}`] : []), ...lines.slice(1)].join('\r\n')}\r\n\r\n`,
      );
    switch (received.action) {
      case 'Login': {
        this.loginAttempts += 1;
        const { Username, Secret } = received.fields;
        if (this.loginAttempts <= this.rejectLogins || Username !== this.username || Secret !== this.secret) {
          reply(['Response: Error', 'Message: Authentication failed']);
          socket.end();
          return;
        }
        this.logins += 1;
        reply(['Response: Success', 'Message: Authentication accepted']);
        socket.write('Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n');
        this.#session = socket;
        return;
      }
      case 'Ping':
        if (!this.answerPings) return;
        reply(['Response: Success', 'Ping: Pong', `Timestamp: ${(Date.now() / 1000).toFixed(6)}`]);
        return;
      case 'CoreShowChannels':
        if (this.channels && id) socket.write(this.channels(id));
        else reply(['Response: Error', 'Message: Permission denied']);
        return;
      case 'Logoff':
        reply(['Response: Goodbye', 'Message: Thanks for all the fish.']);
        socket.end();
        return;
      default:
        reply(['Response: Error', 'Message: Invalid/unknown command']);
    }
  }
}

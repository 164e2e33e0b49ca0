import { Observable, SchedulerLike, Subject } from 'rxjs';
import { PeerId, SwarmEvent, SwarmEventBody, SwarmEventKind } from './events';

/** The one stream of domain events of a peer; stamps each with the peer id and scheduler time. */
export class EventBus {
  private readonly subject = new Subject<SwarmEvent>();
  readonly events$: Observable<SwarmEvent> = this.subject.asObservable();

  /**
   * `only`: the kinds this bus carries; others are dropped at emit (default:
   * every kind). A simulated swarm of thousands of peers keeps only the kinds
   * it reads, so the tens of millions of `have-received` events cost nothing.
   */
  constructor(
    private readonly self: PeerId,
    private readonly scheduler: SchedulerLike,
    private readonly only?: ReadonlySet<SwarmEventKind>,
  ) {}

  /** Whether `emit` passes this kind on (a caller on a hot path may skip building an event nobody gets). */
  carries(kind: SwarmEventKind): boolean {
    return this.only === undefined || this.only.has(kind);
  }

  /** `body` must be a fresh object: it is stamped in place (no copy: this runs several times per piece). */
  emit(body: SwarmEventBody): void {
    if (this.only !== undefined && !this.only.has(body.kind)) return;
    const event = body as { -readonly [K in keyof SwarmEvent]: SwarmEvent[K] };
    event.self = this.self;
    event.at = this.scheduler.now();
    this.subject.next(event as SwarmEvent);
  }

  complete(): void {
    this.subject.complete();
  }
}

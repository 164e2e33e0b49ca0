import { Observable, SchedulerLike, Subject } from 'rxjs';
import { PeerId, SwarmEvent, SwarmEventBody } from './events';

/** The one stream of domain events of a peer; stamps each with the peer id and scheduler time. */
export class EventBus {
  private readonly subject = new Subject<SwarmEvent>();
  readonly events$: Observable<SwarmEvent> = this.subject.asObservable();

  constructor(private readonly self: PeerId, private readonly scheduler: SchedulerLike) {}

  emit(body: SwarmEventBody): void {
    this.subject.next({ ...body, self: this.self, at: this.scheduler.now() } as SwarmEvent);
  }

  complete(): void {
    this.subject.complete();
  }
}

/** One message on its way to the event stream. */
export interface OutgoingEvent {
  id: string;
  subject: string;
  /** The envelope, serialised once. */
  data: string;
  correlationId: string;
}

/** Publishes a batch in order; resolves only when the broker has stored every message. */
export interface EventPublisher {
  publishBatch(events: OutgoingEvent[]): Promise<void>;
}

"""Annotated examples for the `messaging` category (see auth.py for the annotations)."""

import json

import pika


# category: messaging
def publish_event(channel, exchange, routing_key, event):
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
    channel.basic_publish(
        exchange=exchange,
        routing_key=routing_key,
        body=json.dumps(event),
        properties=pika.BasicProperties(delivery_mode=2, content_type="application/json"),
    )


# category: messaging
def consume_orders(channel, queue, handle):
    def on_message(ch, method, properties, body):
        try:
            handle(json.loads(body))
            ch.basic_ack(delivery_tag=method.delivery_tag)
        except Exception:
            ch.basic_nack(delivery_tag=method.delivery_tag, requeue=False)

    channel.basic_consume(queue=queue, on_message_callback=on_message)
    channel.start_consuming()

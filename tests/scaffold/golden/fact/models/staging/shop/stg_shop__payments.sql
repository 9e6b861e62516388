with source as (

    select * from {{ source('shop', 'payments') }}

),

renamed as (

    select distinct
        payment_id,
        orderid as order_id,
        amount,
        cast("Paid At" as timestamp) as paid_at
    from source

)

select * from renamed
